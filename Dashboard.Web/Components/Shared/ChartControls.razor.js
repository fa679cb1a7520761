// Chart settings remembered in this browser. Storage can be off (private windows, policies): then settings last for the page.
export function load(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function save(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not remembered; the page still follows the settings.
  }
}

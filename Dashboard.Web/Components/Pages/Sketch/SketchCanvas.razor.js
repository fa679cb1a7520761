// The drawing surface of the Sketch page. Pointer events give one code path for mouse, touch and pen.
// Whatever is on the canvas (strokes, a test image, an uploaded photo) reaches the server the same
// way: as a RASTER×RASTER grayscale raster, box-averaged from the canvas, which the server preprocesses.

const SIZE = 336;          // canvas pixels; 12 per model pixel
const RASTER = 112;        // sent to the server; 4 per model pixel
const BLOCK = SIZE / RASTER;
const DEBOUNCE_MS = 200;   // while drawing: predict this long after the last move
const MAX_UNDO = 30;
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const UPLOAD_TYPES = ["image/png", "image/jpeg"];

export function create(canvas, fileInput, dotnet, brushSize) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let brush = brushSize;
  let drawing = null;       // the pointer id of the stroke in progress
  let points = [];          // the stroke in progress, redrawn whole so its edges stay smooth
  let strokeBase = null;    // the canvas before the stroke
  let timer = 0;
  const undoStack = [];

  function fillPaper() {
    ctx.save();
    ctx.globalCompositeOperation = "source-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.restore();
  }

  function snapshot() {
    undoStack.push(ctx.getImageData(0, 0, SIZE, SIZE));
    if (undoStack.length > MAX_UNDO) undoStack.shift();
    notifyUndo();
  }

  function notifyUndo() {
    dotnet.invokeMethodAsync("OnUndoAvailable", undoStack.length > 0);
  }

  function raster() {
    const data = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const out = new Uint8Array(RASTER * RASTER);
    const area = BLOCK * BLOCK;
    for (let ry = 0; ry < RASTER; ry++) {
      for (let rx = 0; rx < RASTER; rx++) {
        let sum = 0;
        for (let dy = 0; dy < BLOCK; dy++) {
          let i = ((ry * BLOCK + dy) * SIZE + rx * BLOCK) * 4;
          for (let dx = 0; dx < BLOCK; dx++, i += 4) {
            // Luminance (Rec. 601), composited over white paper by alpha.
            const a = data[i + 3] / 255;
            const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
            sum += y * a + 255 * (1 - a);
          }
        }
        out[ry * RASTER + rx] = Math.round(sum / area);
      }
    }
    return out;
  }

  // source: what changed the canvas (stroke, undo, clear, test, upload), for the page's caption.
  function sendNow(source) {
    clearTimeout(timer);
    timer = 0;
    dotnet.invokeMethodAsync("OnRaster", raster(), RASTER, RASTER, source);
  }

  function sendSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => sendNow("stroke"), DEBOUNCE_MS);
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (SIZE / r.width), y: (e.clientY - r.top) * (SIZE / r.height) };
  }

  // One path for the whole stroke: drawing it segment by segment would darken every joint's anti-aliased edge.
  function redrawStroke() {
    ctx.putImageData(strokeBase, 0, 0);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000000";
    ctx.lineWidth = brush;
    ctx.beginPath();
    ctx.moveTo(points[0].x, points[0].y);
    // A tap still leaves a dot: a zero-length path would draw nothing.
    if (points.length === 1) ctx.lineTo(points[0].x + 0.01, points[0].y);
    for (let i = 1; i < points.length; i++) ctx.lineTo(points[i].x, points[i].y);
    ctx.stroke();
  }

  function onDown(e) {
    if (drawing !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = e.pointerId;
    snapshot();
    strokeBase = undoStack[undoStack.length - 1];
    points = [point(e)];
    redrawStroke();
    sendSoon();
  }

  function onMove(e) {
    if (e.pointerId !== drawing) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ce of events.length ? events : [e]) points.push(point(ce));
    redrawStroke();
    sendSoon();
  }

  function onUp(e) {
    if (e.pointerId !== drawing) return;
    drawing = null;
    points = [];
    strokeBase = null;
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    sendNow("stroke");
  }

  // Draws a bitmap centred and scaled to fit (contain), on fresh paper.
  function drawFitted(source, width, height) {
    snapshot();
    fillPaper();
    const scale = Math.min(SIZE / width, SIZE / height);
    const w = width * scale, h = height * scale;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(source, (SIZE - w) / 2, (SIZE - h) / 2, w, h);
    sendNow("upload");
  }

  async function onFile() {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = ""; // choosing the same file again must fire change again
    if (!file) return;
    if (!UPLOAD_TYPES.includes(file.type)) {
      dotnet.invokeMethodAsync("OnUploadRejected", `"${file.name}" is not a PNG or JPEG image.`);
      return;
    }
    if (file.size > MAX_UPLOAD_BYTES) {
      const mb = (file.size / 1024 / 1024).toFixed(1);
      dotnet.invokeMethodAsync("OnUploadRejected", `"${file.name}" is ${mb} MB; the limit is ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`);
      return;
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      dotnet.invokeMethodAsync("OnUploadRejected", `"${file.name}" could not be read as an image.`);
      return;
    }
    drawFitted(bitmap, bitmap.width, bitmap.height);
    bitmap.close();
  }

  fillPaper();
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  fileInput.addEventListener("change", onFile);

  return {
    setBrush(size) {
      brush = size;
    },
    undo() {
      const previous = undoStack.pop();
      if (!previous) return;
      ctx.putImageData(previous, 0, 0);
      notifyUndo();
      sendNow("undo");
    },
    clear() {
      snapshot();
      fillPaper();
      sendNow("clear");
    },
    // A test-set image (784 bytes, light on black) drawn as a drawing would be: dark on white, pixel for pixel.
    loadPixels(pixels) {
      const side = Math.round(Math.sqrt(pixels.length));
      const image = new ImageData(side, side);
      for (let i = 0; i < pixels.length; i++) {
        const v = 255 - pixels[i];
        image.data[i * 4] = v;
        image.data[i * 4 + 1] = v;
        image.data[i * 4 + 2] = v;
        image.data[i * 4 + 3] = 255;
      }
      const small = document.createElement("canvas");
      small.width = side;
      small.height = side;
      small.getContext("2d").putImageData(image, 0, 0);
      snapshot();
      fillPaper();
      // Nearest-neighbour at a whole factor, so the raster holds the image exactly and preprocessing gives it back.
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, SIZE, SIZE);
      ctx.imageSmoothingEnabled = true;
      sendNow("test");
    },
    dispose() {
      clearTimeout(timer);
      canvas.removeEventListener("pointerdown", onDown);
      canvas.removeEventListener("pointermove", onMove);
      canvas.removeEventListener("pointerup", onUp);
      canvas.removeEventListener("pointercancel", onUp);
      fileInput.removeEventListener("change", onFile);
    },
  };
}

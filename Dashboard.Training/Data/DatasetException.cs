namespace Dashboard.Training.Data;

/// <summary>The data set is missing, corrupt or could not be fetched; the message names the file and the fault.</summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);

/** A refused or failed file operation; its message is shown to the caller as a tool error. */
export class FileAccessError extends Error {
  override readonly name = 'FileAccessError';
}

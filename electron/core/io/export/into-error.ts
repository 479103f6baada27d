/** A workbook the answers cannot be added to; the message says why and what to do. */
export class IntoWorkbookError extends Error {
  override name = 'IntoWorkbookError';
}

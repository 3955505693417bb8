/** The notebook outputs' MIME types and payload version (docs/spec/notebook.md). */
export const NOTEBOOK_MIME = {
  report: 'application/vnd.segscope.report+json',
  masks: 'application/vnd.segscope.masks+json',
  files: 'application/vnd.segscope.files+json',
} as const;

/** The payload version this build reads: a newer one is named, not drawn. */
export const NOTEBOOK_PAYLOAD_VERSION = 1;

// File-system errors in plain words: one table, by errno code, for the two ways they are told —
// a short cause inside a sentence of the writer's own ("could not publish rss.xml: permission
// denied"), and a whole sentence naming the file and the folder (the service's log).

type Told = {
  /** A few words that finish "could not … :". */
  readonly cause?: string;
  /** A whole sentence, given the file (already quoted, or "a file in the output folder") and the output folder. */
  readonly sentence?: (file: string, outDir: string) => string;
};

const FILE_ERRORS: Readonly<Record<string, Told>> = {
  EISDIR: { cause: 'a directory is in the way', sentence: (file) => `${file} is a folder where storyfeed writes a file; move that folder away` },
  ENOTEMPTY: { cause: 'a directory is in the way' },
  EEXIST: { cause: 'a directory is in the way', sentence: (file) => `${file} is in the way of a folder storyfeed creates; move it away` },
  ENOTDIR: { cause: 'a file is in the way of its folder', sentence: (file) => `${file} sits where storyfeed needs a folder; move that file away` },
  EACCES: { cause: 'permission denied', sentence: (file, outDir) => `storyfeed may not write ${file} (permission denied); give the service's user write access to ${outDir}` },
  EPERM: { cause: 'permission denied', sentence: (file, outDir) => `storyfeed may not write ${file} (operation not permitted); give the service's user write access to ${outDir}` },
  ENOSPC: { cause: 'the disk is full', sentence: (_file, outDir) => `the disk holding ${outDir} is full` },
  EDQUOT: { cause: 'the disk is full', sentence: (_file, outDir) => `the disk quota for ${outDir} is used up` },
  EROFS: { cause: 'the disk is read-only', sentence: (_file, outDir) => `the output folder ${outDir} is on a read-only file system` },
  EBUSY: { cause: 'the file is busy' },
  EMFILE: { sentence: () => 'the service has run out of file descriptors (too many open connections or files)' },
  ENFILE: { sentence: () => 'the system has run out of file descriptors' },
  ENOENT: { sentence: (file) => `${file} disappeared during the run` },
  EIO: { sentence: (_file, outDir) => `the disk holding ${outDir} reported an input/output error` },
};

/** The cause of a file-system error, in words (its code, or its message, when it has none). */
export function plainCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (code ? FILE_ERRORS[code]?.cause : undefined) ?? code ?? (error as Error)?.message ?? String(error);
}

/** A file-system error as a whole sentence about `file` in `outDir`, or undefined for a code the table does not tell. */
export function explainFileError(code: string | undefined, file: string, outDir: string): string | undefined {
  return code ? FILE_ERRORS[code]?.sentence?.(file, outDir) : undefined;
}

import path from 'node:path';
import { AppError } from '../contract/errors';
import { errnoCode } from './atomic-file';

/** A failed write of a settings or secrets file, as an AppError with a hint the user can act on. */
export function writeError(file: string, err: unknown): AppError {
  const code = errnoCode(err);
  const dir = path.dirname(file);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AppError('PERMISSION_DENIED', `cannot write ${file} (${code})`, { hint: `Check that ${dir} is writable by this user.`, cause: err });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AppError('UNAVAILABLE', `cannot write ${file}: the disk is full (${code})`, { hint: 'Free some disk space and try again.', cause: err });
  }
  return new AppError('INTERNAL', `cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** A failed read (other than a missing file), as an AppError. */
export function readError(file: string, err: unknown): AppError {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return new AppError('PERMISSION_DENIED', `cannot read ${file} (${code})`, { hint: `Check the permissions of ${file}.`, cause: err });
  }
  return new AppError('INTERNAL', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

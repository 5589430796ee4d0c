import type { z } from 'zod';
import type { RecordIssue } from '../paginate/types.js';

/**
 * Replaces a failed union (an id sent as a string or a number, say) by the failure of the one
 * branch the value had the type of, so the issue says what is wrong ("not an integer a JavaScript
 * number holds exactly") rather than zod's "Invalid input".
 */
export function explainIssues(issues: readonly z.core.$ZodIssue[]): RecordIssue[] {
  return issues.flatMap((issue): RecordIssue[] => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const relevant = issue.errors.filter(
      (branch) =>
        !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
    );
    const [only] = relevant;
    if (relevant.length !== 1 || only === undefined) return [issue];
    return explainIssues(only).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  });
}

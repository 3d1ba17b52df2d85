import type * as z from 'zod';

/** One line per problem, naming the field at fault: `article.assets.0.uri: must be an s3://bucket/key URI`. */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}

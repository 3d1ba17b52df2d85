import { composePost, type PostInput, type PostRules, PostTooLongError } from '#domain/social-post.ts';
import { canonicalUrl, headline, summary } from '#formats/feed-view.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';

/**
 * What a post is built from, read from the version's stored ninjs manifest: the main headline, the
 * summary, the publisher's web version (altid `canonical`), the topics and the language. Text is
 * taken as stored, never normalised.
 */
export function postInputOf(manifest: NinjsDocument): PostInput {
  const text = summary(manifest);
  const link = canonicalUrl(manifest);
  return {
    title: headline(manifest),
    ...(text && { summary: text }),
    ...(link && { link }),
    topics: manifest.subjects.map((s) => s.name),
    language: manifest.language,
  };
}

/**
 * composePost, with a post that cannot be made to fit refused for good (a ChannelRefusal led by
 * `what`, e.g. `X post too long:`): another try would build the same text.
 */
export function composeOrRefuse(what: string, input: PostInput, rules: PostRules): string {
  try {
    return composePost(input, rules);
  } catch (error) {
    if (error instanceof PostTooLongError) throw new ChannelRefusal(`${what} ${error.message}`);
    throw error;
  }
}

/** Base of every domain error: named, with its cause kept. */
export class LoaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that fails its schema; `problems` name the fields at fault. */
export class InvalidInputError extends LoaError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}: ${problems.join('; ')}`);
  }
}

export class NotFoundError extends LoaError {}

/** A conditional write lost: someone else already moved the item. */
export class ConflictError extends LoaError {}

/** An asset named by an article is not where it says. */
export class MissingAssetError extends LoaError {}

/** A page cursor the API never returned (forged, truncated, or naming what is gone): the caller's fault, a 400. */
export class InvalidCursorError extends LoaError {}

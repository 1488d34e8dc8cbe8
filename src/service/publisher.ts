// `storyfeed start --publish s3://…` (or `publish:` in _story.md): after every run that changed
// something, publish the output folder to object storage. One publish at a time; requests that
// arrive meanwhile fold into one more. A failure is logged and retried with exponential backoff,
// and never blocks or fails a build: builds only wait for publish's read of the output folder
// (local disk, between two builds, so that one publish never mixes two builds' files).
import type { MaxAgeByFolder } from '../build/types.js';
import type { Story } from '../core/types.js';
import { isUserError } from '../errors.js';
import { publish, type PublishResult } from '../publish/index.js';

export interface PublishSettings {
  /** --publish; else the story's `publish:`. */
  readonly to?: string;
  readonly endpoint?: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface PublisherOptions {
  readonly settings: PublishSettings;
  readonly outDir: string;
  readonly log: (record: Record<string, unknown> & { event: string }) => void;
  /** Runs publish's read of the output folder while no build writes it. */
  readonly exclusive: <T>(read: () => Promise<T>) => Promise<T>;
  readonly builtOutputs: () => ReadonlySet<string> | undefined;
  /** A newsroom's stories whose ttl is their own (their objects' Cache-Control), as of the last run. */
  readonly maxAgeByFolder?: () => MaxAgeByFolder;
  readonly onPublished?: (result: PublishResult, story: Story) => void;
  readonly retryBaseMs?: number;
}

const MAX_RETRY_MS = 5 * 60_000;

export class Publisher {
  private story: Story | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: PublisherOptions) {}

  /** Is there anywhere to publish, for this story? */
  targetFor(story: Story | undefined): string | undefined {
    return this.options.settings.to ?? story?.publish;
  }

  /** Publish now (or right after the publish under way) the output of a run of `story`. */
  request(story: Story): void {
    if (this.stopped || this.targetFor(story) === undefined) return;
    this.story = story;
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.once();
    } while (this.again && !this.stopped);
  }

  private async once(): Promise<void> {
    const story = this.story!;
    const to = this.targetFor(story)!;
    const started = Date.now();
    this.attempt += 1;
    try {
      const result = await publish({
        outDir: this.options.outDir,
        to,
        env: this.options.settings.env,
        maxAgeSeconds: story.ttl * 60,
        ...(this.options.maxAgeByFolder ? { maxAgeByFolder: this.options.maxAgeByFolder() } : {}),
        readLocal: this.options.exclusive,
        // Asked inside the exclusive read: the build whose files are read.
        builtOutputs: this.options.builtOutputs,
        ...(this.options.settings.endpoint ? { endpoint: this.options.settings.endpoint } : {}),
      });
      this.attempt = 0;
      this.options.log({ event: 'publish', ok: true, to: result.where, uploaded: result.uploaded.length, deleted: result.deleted.length, unchanged: result.unchanged, bytes: result.bytesUploaded, duration_ms: Date.now() - started });
      this.options.onPublished?.(result, story);
    } catch (error) {
      const capped = Math.min((this.options.retryBaseMs ?? 2_000) * 2 ** (this.attempt - 1), MAX_RETRY_MS);
      this.options.log({ event: 'publish', ok: false, to, attempt: this.attempt, error: isUserError(error) ? error.message : String((error as Error)?.stack ?? error), retry_in_ms: this.stopped ? null : capped });
      if (!this.stopped && !this.again) {
        this.retry = setTimeout(() => this.request(story), capped);
        this.retry.unref();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.running;
  }
}

/** One at a time: builds and publish's read of the output folder take turns. */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

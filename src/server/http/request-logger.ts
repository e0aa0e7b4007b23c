import type { FastifyBaseLogger } from "fastify";
import pino, { type Bindings, type ChildLoggerOptions } from "pino";

type LevelName = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/** A log method called with whatever its caller gave (LogFn's overloads cannot be spread into). */
type AnyLogCall = (...args: unknown[]) => void;

/** Whether `logger` writes lines of `level` (a custom or unknown level counts as enabled). */
function enabled(logger: FastifyBaseLogger, level: LevelName): boolean {
  const threshold = logger.level === "silent" ? Number.POSITIVE_INFINITY : pino.levels.values[logger.level];
  return threshold === undefined || (pino.levels.values[level] ?? 0) >= threshold;
}

/**
 * A request's logger whose pino child is made only when a line is written at an enabled level. Fastify made
 * one per request (and the authentication pre-handler a second, with the profile id), and pino serialises
 * the bindings when a child is made: about 12 µs of a request's ≈ 180 µs (docs/PERFORMANCE.md, target 5),
 * spent on every request though almost none of them logs a line.
 */
class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write("fatal", args);
  }

  error(...args: unknown[]): void {
    this.write("error", args);
  }

  warn(...args: unknown[]): void {
    this.write("warn", args);
  }

  info(...args: unknown[]): void {
    this.write("info", args);
  }

  debug(...args: unknown[]): void {
    this.write("debug", args);
  }

  trace(...args: unknown[]): void {
    this.write("trace", args);
  }

  silent(): void {}

  child(bindings: Bindings, options: ChildLoggerOptions = {}): FastifyBaseLogger {
    return lazyChildLogger(this, bindings, options);
  }

  /** The pino child, made now if not yet (of the parent's own pino child when the parent is lazy too). */
  private logger(): FastifyBaseLogger {
    if (!this.made) {
      const parent = this.parent instanceof LazyChildLogger ? this.parent.logger() : this.parent;
      this.made = parent.child(this.bindings, this.options);
    }
    return this.made;
  }

  private write(level: LevelName, args: unknown[]): void {
    if (!enabled(this, level)) return;
    const logger = this.logger();
    (logger[level] as AnyLogCall).apply(logger, args);
  }
}

/**
 * Fastify's childLoggerFactory: lazy unless the route sets its own level or serializers (none does now; such a
 * child is made at once, as Fastify would).
 */
export function lazyChildLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined)
    return parent.child(bindings, options);
  return new LazyChildLogger(parent, bindings, options);
}

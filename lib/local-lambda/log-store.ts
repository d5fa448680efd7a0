/**
 * An in-memory CloudWatch Logs store: log groups of log streams of events, with the read operations the
 * benchmark uses (FilterLogEvents, GetLogEvents, DescribeLogStreams). Memory is bounded: each group keeps at
 * most `maxBytesPerGroup` of messages and drops its oldest events first, as a retention policy would; a
 * single message is cut at CloudWatch's 256 KB event limit.
 */
import { FilterPatternError, matchesFilterPattern, parseFilterPattern } from './filter-pattern';

export interface StoredLogEvent {
  /** Service-wide sequence number: orders events and anchors pagination tokens. */
  seq: number;
  timestamp: number;
  ingestionTime: number;
  message: string;
  logStreamName: string;
  eventId: string;
  bytes: number;
}

export interface LogStoreLimits {
  maxBytesPerGroup: number;
  maxEventBytes: number;
}

export const DEFAULT_LOG_STORE_LIMITS: LogStoreLimits = {
  maxBytesPerGroup: 32 * 1024 * 1024,
  maxEventBytes: 256 * 1024,
};

/** A failed Logs operation, carrying the AWS error code the wire layer sends. */
export class LogsError extends Error {
  constructor(readonly code: 'ResourceNotFoundException' | 'InvalidParameterException', message: string) {
    super(message);
  }
}

interface StreamInfo {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
}

class LogGroup {
  readonly creationTime = Date.now();
  events: StoredLogEvent[] = [];
  head = 0;
  bytes = 0;
  readonly streams = new Map<string, StreamInfo>();
  constructor(readonly name: string) {}

  live(): StoredLogEvent[] {
    return this.head === 0 ? this.events : this.events.slice(this.head);
  }

  /** Index of the first live event whose seq is >= seq. */
  indexFromSeq(seq: number): number {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface FilterLogEventsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  nextToken?: string;
  limit?: number;
}

export interface FilteredLogEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export interface FilterLogEventsOutput {
  events: FilteredLogEvent[];
  searchedLogStreams: { logStreamName: string; searchedCompletely: boolean }[];
  nextToken?: string;
}

export interface GetLogEventsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamName: string;
  startTime?: number;
  endTime?: number;
  nextToken?: string;
  limit?: number;
  startFromHead?: boolean;
}

export interface GetLogEventsOutput {
  events: { timestamp: number; message: string; ingestionTime: number }[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

export interface DescribeLogStreamsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNamePrefix?: string;
  orderBy?: 'LogStreamName' | 'LastEventTime';
  descending?: boolean;
  nextToken?: string;
  limit?: number;
}

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private seq = 0;
  private readonly limits: LogStoreLimits;

  constructor(limits: Partial<LogStoreLimits> = {}) {
    this.limits = { ...DEFAULT_LOG_STORE_LIMITS, ...limits };
  }

  createLogGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, new LogGroup(name));
  }

  hasLogGroup(name: string): boolean {
    return this.groups.has(name);
  }

  totalBytes(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.bytes;
    return n;
  }

  append(groupName: string, logStreamName: string, message: string, timestamp = Date.now()): StoredLogEvent {
    let group = this.groups.get(groupName);
    if (!group) {
      group = new LogGroup(groupName);
      this.groups.set(groupName, group);
    }
    let text = message;
    let bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxEventBytes) {
      text = Buffer.from(text).subarray(0, this.limits.maxEventBytes).toString('utf8');
      bytes = Buffer.byteLength(text);
    }
    const seq = ++this.seq;
    const event: StoredLogEvent = {
      seq,
      timestamp,
      ingestionTime: Date.now(),
      message: text,
      logStreamName,
      eventId: String(seq).padStart(56, '0'),
      bytes,
    };
    group.events.push(event);
    group.bytes += bytes;
    let stream = group.streams.get(logStreamName);
    if (!stream) {
      stream = { logStreamName, creationTime: timestamp, storedBytes: 0 };
      group.streams.set(logStreamName, stream);
    }
    stream.firstEventTimestamp ??= timestamp;
    stream.lastEventTimestamp = timestamp;
    stream.lastIngestionTime = event.ingestionTime;
    stream.storedBytes += bytes;
    this.evict(group);
    return event;
  }

  private evict(group: LogGroup): void {
    while (group.bytes > this.limits.maxBytesPerGroup && group.head < group.events.length) {
      const old = group.events[group.head++];
      group.bytes -= old.bytes;
      const stream = group.streams.get(old.logStreamName);
      if (stream) stream.storedBytes -= old.bytes;
    }
    if (group.head > 1024 && group.head * 2 > group.events.length) {
      group.events = group.events.slice(group.head);
      group.head = 0;
    }
  }

  private group(input: { logGroupName?: string; logGroupIdentifier?: string }): LogGroup {
    const name = input.logGroupName ?? groupNameFromIdentifier(input.logGroupIdentifier);
    if (!name) throw new LogsError('InvalidParameterException', 'logGroupName or logGroupIdentifier is required');
    if (input.logGroupName && input.logGroupIdentifier) {
      throw new LogsError('InvalidParameterException', 'specify logGroupName or logGroupIdentifier, not both');
    }
    const group = this.groups.get(name);
    if (!group) throw new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  filterLogEvents(input: FilterLogEventsInput): FilterLogEventsOutput {
    const group = this.group(input);
    const limit = checkLimit(input.limit, 10000);
    if (input.logStreamNames && input.logStreamNamePrefix) {
      throw new LogsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix cannot both be specified');
    }
    let pattern;
    try {
      pattern = parseFilterPattern(input.filterPattern);
    } catch (e) {
      if (e instanceof FilterPatternError) throw new LogsError('InvalidParameterException', e.message);
      throw e;
    }
    const streamSet = input.logStreamNames ? new Set(input.logStreamNames) : undefined;
    const prefix = input.logStreamNamePrefix;
    const startSeq = input.nextToken !== undefined ? decodeToken(input.nextToken) : 0;

    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    for (let i = group.indexFromSeq(startSeq); i < group.events.length; i++) {
      const e = group.events[i];
      if (streamSet && !streamSet.has(e.logStreamName)) continue;
      if (prefix !== undefined && !e.logStreamName.startsWith(prefix)) continue;
      if (input.startTime !== undefined && e.timestamp < input.startTime) continue;
      if (input.endTime !== undefined && e.timestamp > input.endTime) continue;
      if (!matchesFilterPattern(pattern, e.message)) continue;
      if (events.length === limit) {
        nextToken = encodeToken(e.seq);
        break;
      }
      events.push({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId });
    }
    const searchedLogStreams = [...group.streams.keys()]
      .filter((n) => (!streamSet || streamSet.has(n)) && (prefix === undefined || n.startsWith(prefix)))
      .map((logStreamName) => ({ logStreamName, searchedCompletely: nextToken === undefined }));
    return nextToken === undefined ? { events, searchedLogStreams } : { events, searchedLogStreams, nextToken };
  }

  /**
   * Events of one stream. Without a token, CloudWatch returns the newest `limit` events (or the oldest with
   * startFromHead); tokens `f/<seq>` page forward, `b/<seq>` backward. At the end the same token comes back.
   */
  getLogEvents(input: GetLogEventsInput): GetLogEventsOutput {
    const group = this.group(input);
    if (!group.streams.has(input.logStreamName)) throw new LogsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const limit = checkLimit(input.limit, 10000);
    const matching = group.live().filter(
      (e) =>
        e.logStreamName === input.logStreamName &&
        (input.startTime === undefined || e.timestamp >= input.startTime) &&
        (input.endTime === undefined || e.timestamp < input.endTime),
    );
    let page: StoredLogEvent[];
    const token = input.nextToken;
    if (token !== undefined) {
      const m = /^([fb])\/(\d+)$/.exec(token);
      if (!m) throw new LogsError('InvalidParameterException', 'The specified nextToken is invalid.');
      const seq = Number(m[2]);
      if (m[1] === 'f') page = matching.filter((e) => e.seq >= seq).slice(0, limit);
      else page = matching.filter((e) => e.seq < seq).slice(-limit);
    } else {
      page = input.startFromHead ? matching.slice(0, limit) : matching.slice(-limit);
    }
    const lastSeq = page.length > 0 ? page[page.length - 1].seq : undefined;
    const firstSeq = page.length > 0 ? page[0].seq : undefined;
    const fallback = token ?? `f/${this.seq + 1}`;
    return {
      events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: lastSeq !== undefined ? `f/${lastSeq + 1}` : fallback.startsWith('f/') ? fallback : `f/${this.seq + 1}`,
      nextBackwardToken: firstSeq !== undefined ? `b/${firstSeq}` : fallback.startsWith('b/') ? fallback : 'b/0',
    };
  }

  describeLogStreams(input: DescribeLogStreamsInput): { logStreams: object[]; nextToken?: string } {
    const group = this.group(input);
    const limit = checkLimit(input.limit, 50);
    if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
      throw new LogsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    const streams = [...group.streams.values()].filter(
      (s) => input.logStreamNamePrefix === undefined || s.logStreamName.startsWith(input.logStreamNamePrefix),
    );
    if (input.orderBy === 'LastEventTime') streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
    else streams.sort((a, b) => (a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0));
    if (input.descending) streams.reverse();
    const offset = input.nextToken !== undefined ? decodeToken(input.nextToken) : 0;
    const page = streams.slice(offset, offset + limit);
    const out = page.map((s) => ({
      logStreamName: s.logStreamName,
      creationTime: s.creationTime,
      firstEventTimestamp: s.firstEventTimestamp,
      lastEventTimestamp: s.lastEventTimestamp,
      lastIngestionTime: s.lastIngestionTime,
      storedBytes: s.storedBytes,
    }));
    const more = offset + limit < streams.length;
    return more ? { logStreams: out, nextToken: encodeToken(offset + limit) } : { logStreams: out };
  }
}

function checkLimit(limit: number | undefined, max: number): number {
  if (limit === undefined) return max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new LogsError('InvalidParameterException', `limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}

/** logGroupIdentifier may be a name or an ARN (arn:aws:logs:region:account:log-group:NAME[:*]). */
function groupNameFromIdentifier(identifier: string | undefined): string | undefined {
  if (identifier === undefined) return undefined;
  const m = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/.exec(identifier);
  return m ? m[1] : identifier;
}

function encodeToken(n: number): string {
  return Buffer.from(JSON.stringify({ v: 1, n })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; n?: unknown };
    if (parsed.v === 1 && typeof parsed.n === 'number' && Number.isInteger(parsed.n) && parsed.n >= 0) return parsed.n;
  } catch {
    // fall through to the error below
  }
  throw new LogsError('InvalidParameterException', 'The specified nextToken is invalid.');
}

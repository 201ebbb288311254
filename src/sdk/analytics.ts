import { campaignFrom } from "./campaign";
import { Delivery } from "./delivery";
import { MessageQueue, type QueuedMessage } from "./queue";
import { localStore, randomId } from "./storage";
import { User } from "./user";
import { VERSION } from "./version";

export interface Options {
  writeKey: string;
  /** Where the API is, e.g. `https://leadflare.example.com` or a first-party `https://www.example.com/lf`. */
  apiHost: string;
  /** Send when this many messages wait (default 10)… */
  flushAt?: number;
  /** …or this many ms after the first was queued (default 1000). */
  flushInterval?: number;
  /** `false`: no automatic page() on load. */
  page?: boolean;
  /** `"pending"`: store and send nothing until `consent("granted")`. */
  consent?: "granted" | "pending";
  /** Share the anonymousId cookie across subdomains, e.g. `example.com`. */
  cookieDomain?: string;
}

/** Per-call overrides, as in analytics.js. */
export interface CallOptions {
  timestamp?: Date | string;
  messageId?: string;
  anonymousId?: string;
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
}

type Props = Record<string, unknown>;
type Callback = () => void;
type Arg = string | Props | CallOptions | Callback | null | undefined;

/** The analytics.js API over leadflare's batch endpoint. */
export class Analytics {
  private readonly user_: User;
  private readonly queue: MessageQueue;
  private readonly delivery: Delivery;
  private consentState: "granted" | "pending" | "denied";

  constructor(private readonly options: Options) {
    this.consentState = options.consent === "pending" ? "pending" : "granted";
    this.user_ = new User(options.cookieDomain);
    this.queue = new MessageQueue(`lf_queue:${options.writeKey}`);
    this.delivery = new Delivery(
      this.queue,
      {
        endpoint: `${options.apiHost.replace(/\/+$/, "")}/v1/b`,
        writeKey: options.writeKey,
        flushAt: options.flushAt ?? 10,
        flushInterval: options.flushInterval ?? 1_000,
      },
      true,
    );
    if (this.consentState === "granted") this.consent("granted");
    addEventListener("pagehide", () => this.delivery.beaconRest());
    addEventListener("online", () => void this.delivery.flush(true));
  }

  track(event: string, properties?: Props, options?: CallOptions, callback?: Callback): this {
    return this.enqueue({ type: "track", event, properties: properties ?? {} }, options, callback);
  }

  /** identify(userId?, traits?, options?, callback?); traits are remembered and sent on every identify. */
  identify(...args: Arg[]): this {
    const callback = takeCallback(args);
    let userId: string | undefined;
    if (typeof args[0] === "string" || typeof args[0] === "number") userId = String(args.shift());
    else if (args[0] === null || args[0] === undefined) args.shift();
    const [traits, options] = args as [Props | undefined, CallOptions | undefined];
    this.user_.identify(userId, traits ?? {});
    return this.enqueue({ type: "identify", traits: this.user_.traits }, options, callback);
  }

  /** page([category], [name], [properties], [options], [callback]) */
  page(...args: Arg[]): this {
    const callback = takeCallback(args);
    const names: string[] = [];
    while (names.length < 2 && (typeof args[0] === "string" || args[0] === null)) {
      const value = args.shift();
      if (typeof value === "string") names.push(value);
    }
    const [category, name] = names.length === 2 ? names : [undefined, names[0]];
    const [properties, options] = args as [Props | undefined, CallOptions | undefined];
    const page = pageFacts();
    return this.enqueue(
      { type: "page", name, category, properties: { ...page, ...(name ? { name } : {}), ...properties } },
      options,
      callback,
    );
  }

  group(groupId: string, traits?: Props, options?: CallOptions, callback?: Callback): this {
    return this.enqueue({ type: "group", groupId, traits: traits ?? {} }, options, callback);
  }

  /** Joins `previousId` (by default the current id) to `userId`. */
  alias(userId: string, previousId?: string, options?: CallOptions, callback?: Callback): this {
    const previous = previousId ?? this.user_.userId ?? this.user_.anonymousId;
    return this.enqueue({ type: "alias", userId, previousId: previous }, options, callback);
  }

  /** Forgets the user: a new anonymousId, no userId or traits. */
  reset(): void {
    this.user_.reset();
  }

  ready(callback: Callback): void {
    setTimeout(callback, 0);
  }

  user() {
    const user = this.user_;
    return {
      id: () => user.userId ?? null,
      traits: () => user.traits,
      anonymousId: (id?: string) => {
        if (id) user.setAnonymousId(id);
        return user.anonymousId;
      },
    };
  }

  /** Under `consent: "pending"`: "granted" stores and sends what waited; "denied" drops it and anything later. */
  consent(state: "granted" | "denied"): void {
    this.consentState = state;
    if (state === "denied") {
      this.queue.remove(new Set(this.queue.all().map((m) => m.messageId)));
      return;
    }
    const store = localStore();
    this.user_.persist(store);
    if (store) this.queue.persistTo(store);
    this.delivery.paused = false;
    void this.delivery.flush();
  }

  /** Sends what waits now, even while a retry waits for its time (resolves after the attempt). */
  flush(): Promise<void> {
    return this.delivery.flush(true);
  }

  private enqueue(fields: Props, options: CallOptions = {}, callback?: Callback): this {
    if (this.consentState !== "denied") {
      const user = this.user_;
      const timestamp = options.timestamp ? new Date(options.timestamp) : new Date();
      const message: QueuedMessage = {
        ...fields,
        messageId: options.messageId ?? `lf-${randomId()}`,
        timestamp: timestamp.toISOString(),
        anonymousId: options.anonymousId ?? user.anonymousId,
        ...(user.userId && fields.type !== "alias" ? { userId: user.userId } : {}),
        context: { ...baseContext(), ...options.context },
        integrations: options.integrations ?? {},
      };
      this.delivery.enqueue(message);
    }
    if (callback) setTimeout(callback, 0);
    return this;
  }
}

function takeCallback(args: Arg[]): Callback | undefined {
  return typeof args[args.length - 1] === "function" ? (args.pop() as Callback) : undefined;
}

function pageFacts() {
  const canonical = document.querySelector<HTMLLinkElement>("link[rel=canonical]")?.href;
  return {
    path: location.pathname,
    referrer: document.referrer,
    search: location.search,
    title: document.title,
    url: canonical || location.href,
  };
}

function baseContext(): Record<string, unknown> {
  const campaign = campaignFrom(location.search);
  return {
    library: { name: "leadflare.js", version: VERSION },
    page: pageFacts(),
    ...(campaign ? { campaign } : {}),
    userAgent: navigator.userAgent,
    locale: navigator.language,
  };
}

import type { KeyValueStore } from "./queue";
import { randomId, readCookie, writeCookie } from "./storage";

const ANONYMOUS_ID = "lf_aid";
const USER = "lf_user";

type Traits = Record<string, unknown>;

/**
 * Who the browser is: anonymousId (first-party cookie and localStorage, so
 * either one surviving keeps it), and the userId and traits from identify.
 * Until `persist` is called (consent) nothing is written.
 */
export class User {
  anonymousId: string;
  userId?: string;
  traits: Traits = {};
  private store?: KeyValueStore;
  private allowed = false;

  constructor(private readonly cookieDomain?: string) {
    const store = safeStore();
    this.anonymousId = readCookie(ANONYMOUS_ID) || store?.getItem(ANONYMOUS_ID) || randomId();
    try {
      const saved = JSON.parse(store?.getItem(USER) ?? "{}") as { id?: string; traits?: Traits };
      this.userId = saved.id;
      this.traits = saved.traits ?? {};
    } catch {
      // unreadable: start afresh
    }
  }

  /** Writes the identity now and on every later change. */
  persist(store: KeyValueStore | undefined): void {
    this.store = store;
    this.allowed = true;
    this.save();
  }

  identify(userId: string | undefined, traits: Traits): void {
    if (userId && userId !== this.userId) {
      if (this.userId) this.traits = {}; // another person on this browser
      this.userId = userId;
    }
    this.traits = { ...this.traits, ...traits };
    this.save();
  }

  setAnonymousId(id: string): void {
    this.anonymousId = id;
    this.save();
  }

  reset(): void {
    this.userId = undefined;
    this.traits = {};
    this.anonymousId = randomId();
    this.save();
  }

  private save(): void {
    if (!this.allowed) return;
    writeCookie(ANONYMOUS_ID, this.anonymousId, this.cookieDomain);
    try {
      this.store?.setItem(ANONYMOUS_ID, this.anonymousId);
      this.store?.setItem(USER, JSON.stringify({ id: this.userId, traits: this.traits }));
    } catch {
      // storage full: the cookie still holds the anonymousId
    }
  }
}

function safeStore(): Pick<KeyValueStore, "getItem"> | undefined {
  try {
    return localStorage;
  } catch {
    return undefined;
  }
}

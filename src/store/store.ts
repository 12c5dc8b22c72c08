import { Agents } from './agents.js';
import { AuditLog } from './audit.js';
import { Alerts } from './alerts.js';
import { GameDays } from './gamedays.js';
import { Blackouts, Incidents } from './calendar.js';
import { Drills } from './drills.js';
import { Experiments } from './experiments.js';
import { openStore } from './open.js';
import { PhishingStore } from './phishing.js';
import type { StoreDb, StoreDialect } from './open.js';
import { Runs } from './runs.js';
import { Settings } from './settings.js';
import { Users } from './users.js';
import { Webhooks } from './webhooks.js';

/** The control plane's store: one query layer over SQLite or PostgreSQL, one repository per concern. */
export class Store {
  readonly users: Users;
  readonly experiments: Experiments;
  readonly audit: AuditLog;
  readonly runs: Runs;
  readonly settings: Settings;
  readonly webhooks: Webhooks;
  readonly agents: Agents;
  readonly drills: Drills;
  readonly blackouts: Blackouts;
  readonly incidents: Incidents;
  readonly alerts: Alerts;
  readonly gamedays: GameDays;
  readonly phishing: PhishingStore;

  private constructor(readonly db: StoreDb) {
    this.users = new Users(db);
    this.experiments = new Experiments(db);
    this.audit = new AuditLog(db);
    this.runs = new Runs(db);
    this.settings = new Settings(db);
    this.webhooks = new Webhooks(db);
    this.agents = new Agents(db);
    this.drills = new Drills(db);
    this.blackouts = new Blackouts(db);
    this.incidents = new Incidents(db);
    this.alerts = new Alerts(db);
    this.gamedays = new GameDays(db);
    this.phishing = new PhishingStore(db);
  }

  /** `postgres://…` or a SQLite file; the schema is brought up to date (see open.ts). */
  static async open(location: string): Promise<Store> {
    return new Store(await openStore(location));
  }

  get dialect(): StoreDialect {
    return this.db.dialect;
  }

  get location(): string {
    return this.db.location;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

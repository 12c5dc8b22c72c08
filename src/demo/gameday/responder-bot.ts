import { errorMessage } from '../../errors.js';
import type { ControlPlaneClient } from '../../server-client/client.js';
import type { Signal, SignalSource } from './signals.js';

/** What a responder declares in the console (the API's body). */
interface Declaration {
  readonly declare: 'detected' | 'acknowledged' | 'diagnosed' | 'contained' | 'recovered';
  readonly detail?: string;
  readonly cause?: { readonly service: string; readonly fault: string };
}

export interface ResponderBotOptions {
  /** The team's members, each with the API as their token reaches it. */
  readonly members: readonly { readonly name: string; readonly api: ControlPlaneClient }[];
  readonly gamedayId: string;
  /** Where the team looks: the alerts, or the gateway's log. */
  readonly signals: SignalSource;
  /** What each signal usually means: the cause the team names. */
  readonly runbook: Readonly<Record<string, { readonly service: string; readonly fault: string; readonly detail: string }>>;
  /** How long a person takes to look at a page before saying something. */
  readonly reactionMs: number;
  readonly say: (line: string) => void;
  readonly signal: AbortSignal;
}

/**
 * The scripted responder team of `firedrill demo --gameday` — a small bot, not people, and it
 * says so: it sees only what a responder sees (its console and the alerts, or the gateway's log;
 * never the scenario), and it follows a runbook. A signal going red opens an incident: after a
 * moment to react it declares detected, acknowledged and the cause its runbook names; once every
 * signal of the incident is green again it declares contained, then recovered. It plays until the
 * game day ends.
 */
export async function runResponderBot(options: ResponderBotOptions): Promise<void> {
  const { members, gamedayId } = options;
  const firing = new Set<string>();
  let incident: { opened: number; declared: boolean } | undefined;
  const declare = async (who: number, body: Declaration) => {
    const member = members[who % members.length];
    if (!member) return;
    await member.api.request('POST', `/api/v1/gamedays/${gamedayId}/declarations`, body);
    options.say(`${member.name} (responder bot): ${body.declare}${body.detail ? ` — ${body.detail}` : ''}`);
  };
  const react = async (changes: readonly Signal[]) => {
    for (const change of changes) {
      if (change.firing) firing.add(change.name);
      else firing.delete(change.name);
      if (change.firing && !incident) {
        incident = { opened: Date.now(), declared: false };
        options.say(`the responders see ${change.detail}`);
      }
    }
    if (incident && !incident.declared && Date.now() - incident.opened >= options.reactionMs) {
      incident.declared = true;
      const first = [...firing][0] ?? changes.find((c) => c.firing)?.name ?? '';
      const cause = options.runbook[first];
      await declare(0, { declare: 'detected', detail: `${first} is red` });
      await declare(1, { declare: 'acknowledged', detail: 'on it' });
      await declare(0, {
        declare: 'diagnosed',
        ...(cause
          ? { cause: { service: cause.service, fault: cause.fault }, detail: cause.detail }
          : { detail: 'unknown: not in the runbook' }),
      });
    }
    if (incident?.declared && firing.size === 0) {
      incident = undefined;
      await declare(1, { declare: 'contained', detail: 'every alert is green again' });
      await declare(0, { declare: 'recovered' });
    }
  };
  while (!options.signal.aborted) {
    try {
      const day = await members[0]?.api.request<{ gameday: { state: string } }>('GET', `/api/v1/gamedays/${gamedayId}`);
      if (day?.gameday.state === 'ended') return;
      await react(await options.signals.poll());
    } catch (error) {
      options.say(`responder bot: ${errorMessage(error)} (trying again)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

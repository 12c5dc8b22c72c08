import type { Store } from '../../store/store.js';
import type { Role } from '../../store/users.js';
import { ControlPlaneClient } from '../../server-client/client.js';

/** The people of the demo's game day, each a user of the control plane with a token of their own. */
export interface DemoPeople {
  readonly villain: { readonly name: string; readonly api: ControlPlaneClient };
  readonly facilitator: { readonly name: string; readonly api: ControlPlaneClient };
  /** The responder team (played by the bot). */
  readonly team: readonly { readonly name: string; readonly api: ControlPlaneClient }[];
  /** Alertmanager posts with it: /api/v1/alerts/alertmanager/TOKEN. */
  readonly alertSourceToken: string;
  /** Prometheus scrapes the control plane's /metrics with it. */
  readonly scraperToken: string;
}

export async function makePeople(server: { readonly url: string; readonly store: Store }): Promise<DemoPeople> {
  const token = async (name: string, role: Role) => {
    const user = await server.store.users.create(name, [role]);
    return (await server.store.users.issueToken(user.id, 'demo')).token;
  };
  const person = async (name: string, role: Role) => ({ name, api: new ControlPlaneClient(server.url, await token(name, role)) });
  return {
    villain: await person('vera', 'villain'),
    facilitator: await person('fiona', 'facilitator'),
    team: [await person('ada', 'responder'), await person('ben', 'responder')],
    alertSourceToken: await token('alertmanager', 'alert-source'),
    scraperToken: await token('prometheus', 'viewer'),
  };
}

import type { ServiceRole } from './service-command.js';

/**
 * The shop's topology, as data: which services run where, and the fault proxy on every link.
 *
 *                        ┌─▶ [p] catalog-a1, catalog-a2 (dc a)
 *   load ─▶ gateway ─────┼─▶ [p] catalog-b1, catalog-b2 (dc b)
 *     gateway-single ─┐  ├─▶ [p] orders-a (dc a) ─┬─▶ [p] pg-primary (dc a)
 *     (dc a only)     │  └─▶ [p] orders-b (dc b) ─┴─▶ [p] pg-replica (dc b)
 *                     └─▶ the same dc a proxies      pg-replica ─▶ [p] pg-primary (replication)
 *
 * Every [p] is a Firedrill proxy labelled { link: KIND, dc: DC OF THE SIDE REACHED, from: DC OF
 * THE CALLER }, so `{ dc: a }` selects every link into datacenter a.
 */
export interface ServicePlan {
  readonly name: string;
  readonly role: ServiceRole;
  readonly labels: Readonly<Record<string, string>>;
  readonly port: number;
  /** Arguments after `firedrill demo-service ROLE`; `--demo ID --name NAME` come first. */
  readonly args: readonly string[];
}

export interface ProxyPlan {
  readonly name: string;
  readonly listen: number;
  readonly upstream: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface DatabasePlan {
  readonly primaryPort: number;
  readonly replicaPort: number;
  /** The replica streams from the primary through this proxy. */
  readonly replicationProxy: number;
  readonly user: string;
  readonly database: string;
}

export interface ShopPlan {
  readonly demoId: string;
  readonly services: readonly ServicePlan[];
  readonly proxies: readonly ProxyPlan[];
  readonly database: DatabasePlan | undefined;
  readonly gateway: ServicePlan;
  readonly singleDcGateway: ServicePlan;
  readonly auditPort: number;
}

export interface PlanOptions {
  readonly demoId: string;
  /** The pid services watch: they exit when it is gone. */
  readonly owner: number;
  readonly withDatabase: boolean;
  /** Hands out a free port per call. */
  readonly port: () => number;
}

const CATALOGS = [
  { name: 'catalog-a1', dc: 'a' },
  { name: 'catalog-a2', dc: 'a' },
  { name: 'catalog-b1', dc: 'b' },
  { name: 'catalog-b2', dc: 'b' },
] as const;
const ORDERS = [
  { name: 'orders-a', dc: 'a' },
  { name: 'orders-b', dc: 'b' },
] as const;
/** Where each database runs; the orders links are labelled with it. */
const DATABASE_DC = { primary: 'a', replica: 'b' } as const;
export const DATABASE = { user: 'postgres', database: 'shop' } as const;

export function planShop(options: PlanOptions): ShopPlan {
  const { demoId, port } = options;
  const proxies: ProxyPlan[] = [];
  const proxy = (name: string, upstream: number, labels: Record<string, string>): number => {
    const listen = port();
    proxies.push({ name, listen, upstream, labels });
    return listen;
  };
  const service = (name: string, role: ServiceRole, labels: Record<string, string>, extra: string[] = []): ServicePlan => {
    const servicePort = port();
    const args = [
      '--demo',
      demoId,
      '--name',
      name,
      '--port',
      String(servicePort),
      '--dc',
      labels.dc ?? '',
      '--owner',
      String(options.owner),
      ...extra,
    ];
    return { name, role, labels, port: servicePort, args };
  };

  let database: DatabasePlan | undefined;
  if (options.withDatabase) {
    const primaryPort = port();
    const replicaPort = port();
    const replicationProxy = proxy('pg-replication', primaryPort, {
      link: 'replication',
      dc: DATABASE_DC.primary,
      from: DATABASE_DC.replica,
    });
    database = { primaryPort, replicaPort, replicationProxy, ...DATABASE };
  }

  // The catalog replicas may be drawn by a monkey drill (firedrill demo --ui): they opt in.
  const catalogs = CATALOGS.map(({ name, dc }) => service(name, 'catalog', { app: 'catalog', dc, 'firedrill/opt-in': 'true' }));
  const db = database;
  const orders = db
    ? ORDERS.map(({ name, dc }) => {
        const link = (role: 'primary' | 'replica', target: number) =>
          `127.0.0.1:${proxy(`${name}-pg-${role}`, target, { link: 'orders-db', dc: DATABASE_DC[role], from: dc })}`;
        return service(name, 'orders', { app: 'orders', dc }, [
          '--primary',
          link('primary', db.primaryPort),
          '--replica',
          link('replica', db.replicaPort),
          '--user',
          DATABASE.user,
          '--database',
          DATABASE.database,
        ]);
      })
    : [];

  // Both gateways reach an upstream through the same proxy: a fault on that link hits both.
  const upstreams = [
    ...catalogs.map((c) => ({ option: '--catalog', target: c, link: 'gateway-catalog' })),
    ...orders.map((o) => ({ option: '--orders', target: o, link: 'gateway-orders' })),
  ].map(({ option, target, link }) => {
    const dc = target.labels.dc ?? '';
    const listen = proxy(`gateway-${target.name}`, target.port, { link, dc, from: 'edge' });
    return { dc, args: [option, `${target.name}=127.0.0.1:${listen}`] };
  });
  const gateway = service(
    'gateway',
    'gateway',
    { app: 'gateway', dc: 'edge' },
    upstreams.flatMap((u) => u.args),
  );
  // The "no redundancy" variant knows only the upstreams of dc a.
  const singleArgs = upstreams.filter((u) => u.dc === 'a').flatMap((u) => u.args);
  const singleDcGateway = service('gateway-single', 'gateway', { app: 'gateway', dc: 'edge' }, singleArgs);

  return {
    demoId,
    services: [...catalogs, ...orders, gateway, singleDcGateway],
    proxies,
    database,
    gateway,
    singleDcGateway,
    auditPort: port(),
  };
}

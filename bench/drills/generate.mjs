// The drills of the bench: 10,000 (by default) with mixed schedules, as drills files the server
// applies (POST /api/v1/drills/apply), so that what is stored is exactly what the product
// stores. None is due in the next 3 hours, so a server holding them is idle: every local time a
// schedule names is at least 3 h (at most 21 h) after the zone's present hour.
//
//   cron   40 %  daily, weekdays, twice a day, weekly, twice a month, in 8 zones
//   window 25 %  1–2 random moments a day, week or month in a 1–6 h window (over midnight: two)
//   mtbf   25 %  a mean of 1d–2w in such windows, some with a min of 1h
//   once   10 %  3 h to 10 days ahead
//
// Blackouts: one drill in 8 (not `once`) has its own (weekends on all-week windows, Christmas, or
// 5 days a month ahead); 10 of the 50 teams have Christmas (no `once` drill is theirs); one global
// blackout, 2 days two months ahead.

export const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Europe/London',
];
export const TEAMS = 50;
const DAYS = 'mon, tue, wed, thu, fri, sat, sun';
const WEEKDAYS = 'mon, tue, wed, thu, fri';

/** A small seeded PRNG (mulberry32): the same drills at every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The zone's hour of the day at `now`. */
function localHour(zone, now) {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(now);
  return Number(text);
}

const hh = (hour) => `${String(hour).padStart(2, '0')}:00`;

/** 1–2 allowed windows of `length` h from `from` (local hour 0–23), split at midnight. */
function windows(zone, days, from, length) {
  const to = from + length;
  if (to <= 24) return [`{ timezone: ${zone}, days: [${days}], from: "${hh(from)}", to: "${to === 24 ? '24:00' : hh(to)}" }`];
  return [
    `{ timezone: ${zone}, days: [${days}], from: "${hh(from)}", to: "24:00" }`,
    `{ timezone: ${zone}, days: [${days}], from: "00:00", to: "${hh(to - 24)}" }`,
  ];
}

/**
 * `count` drills as YAML lines (`  - { … }`), and the file header (team and global blackouts),
 * for drills running experiment `experiment`. Returns { header, lines, kinds }.
 */
export function generateDrills(count, { now = Date.now(), experiment = 't', seed = 12 } = {}) {
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const hours = new Map(ZONES.map((zone) => [zone, localHour(zone, now)]));
  /** A local hour 4–20 h after the zone's present one: its launches are ≥ 3 h away. */
  const safeHour = (zone, ahead = int(4, 20)) => (hours.get(zone) + ahead) % 24;
  /** The date `days` from now (blackouts after every `once` drill, which are at most 10 days ahead). */
  const day = (days) => new Date(now + days * 86_400_000).toISOString().slice(0, 10);
  const kinds = { cron: 0, window: 0, mtbf: 0, once: 0, ownBlackouts: 0 };
  const lines = [];
  for (let i = 0; i < count; i++) {
    const zone = pick(ZONES);
    const roll = rand();
    let schedule;
    let allDays = false;
    if (roll < 0.4) {
      kinds.cron++;
      const minute = int(0, 59);
      const first = int(4, 12);
      const hour = safeHour(zone, first);
      const pattern = pick([
        `${minute} ${hour} * * *`,
        `${minute} ${hour} * * 1-5`,
        `${minute} ${hour},${safeHour(zone, first + int(1, 8))} * * *`,
        `${minute} ${hour} * * ${int(0, 6)}`,
        `${minute} ${hour} 1,15 * *`,
      ]);
      schedule = `{ cron: "${pattern}", timezone: ${zone} }`;
    } else if (roll < 0.9) {
      const days = rand() < 0.5 ? DAYS : WEEKDAYS;
      allDays = days === DAYS;
      const allowed = windows(zone, days, safeHour(zone, int(4, 14)), int(1, 6)).join(', ');
      if (roll < 0.65) {
        kinds.window++;
        const every = pick(['day', 'week', 'week', 'month']);
        const count = every === 'day' ? 1 : int(1, 2);
        schedule = `{ window: { allowed: [${allowed}], every: ${every}, count: ${count}, seed: ${int(0, 999)} } }`;
      } else {
        kinds.mtbf++;
        const min = rand() < 0.3 ? ', min: 1h' : '';
        schedule = `{ mtbf: { allowed: [${allowed}], mean: ${pick(['1d', '3d', '1w', '2w'])}${min}, seed: ${int(0, 999)} } }`;
      }
    } else {
      kinds.once++;
      const at = new Date(Math.floor((now + 3 * 3600_000 + rand() * 10 * 86_400_000) / 1000) * 1000);
      schedule = `{ once: "${at.toISOString().replace('.000Z', 'Z')}" }`;
    }
    let blackouts = '';
    if (rand() < 1 / 8 && !schedule.startsWith('{ once')) {
      kinds.ownBlackouts++;
      const own = [
        `{ name: christmas, timezone: ${zone}, yearly: { from: "12-24", to: "12-26" } }`,
        `{ name: freeze, timezone: ${zone}, from: ${day(30)}, to: ${day(34)} }`,
      ];
      if (allDays) own.push(`{ name: weekends, timezone: ${zone}, days: [sat, sun] }`);
      blackouts = `, blackouts: [${pick(own)}]`;
    }
    // Teams 0–9 have a Christmas blackout: no `once` drill is theirs (it could fall in it).
    const team = `team-${String(schedule.startsWith('{ once') ? 10 + (i % (TEAMS - 10)) : i % TEAMS).padStart(2, '0')}`;
    const name = `d${String(i).padStart(5, '0')}`;
    lines.push(`  - { name: ${name}, team: ${team}, experiment: ${experiment}, schedule: ${schedule}${blackouts} }`);
  }
  const teamBlackouts = Array.from(
    { length: 10 },
    (_, t) =>
      `  team-${String(t).padStart(2, '0')}:\n    blackouts: [{ name: team-christmas, timezone: Europe/Paris, yearly: { from: "12-24", to: "12-26" } }]`,
  ).join('\n');
  const header = `blackouts:\n  - { name: global-freeze, timezone: UTC, from: ${day(60)}, to: ${day(61)} }\nteams:\n${teamBlackouts}\n`;
  return { header, lines, kinds };
}

/** The drills as files of at most `perFile` drills each; the first carries the blackouts. */
export function drillsFiles({ header, lines }, perFile = 1000) {
  const files = [];
  for (let start = 0; start < lines.length; start += perFile) {
    const drills = `drills:\n${lines.slice(start, start + perFile).join('\n')}\n`;
    files.push(start === 0 ? `${header}${drills}` : drills);
  }
  return files;
}

/** How the governance tools show instants and durations: ISO 8601 in China Standard Time, and days/hours. */

const SHANGHAI = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** An instant in unix seconds as ISO 8601 in Asia/Shanghai: 2026-12-01T21:30:00+08:00. */
export function shanghaiTime(seconds: bigint | number): string {
  const parts = Object.fromEntries(SHANGHAI.formatToParts(new Date(Number(seconds) * 1000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}+08:00`;
}

/** A duration in seconds for people: "2 d", "1 d 6 h", "90 s", "none". */
export function formatDuration(seconds: bigint | number): string {
  const total = Number(seconds);
  if (total === 0) return "none";
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts = [
    days > 0 ? `${days} d` : "",
    hours > 0 ? `${hours} h` : "",
    minutes > 0 ? `${minutes} min` : "",
    rest > 0 ? `${rest} s` : "",
  ].filter((p) => p !== "");
  return parts.join(" ");
}

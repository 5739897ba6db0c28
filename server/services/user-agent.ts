/** The browser (with its major version) and the operating system a User-Agent names; null for what it does not say. */
export function describeUserAgent(userAgent: string | null): { browser: string | null; os: string | null } {
  if (!userAgent) return { browser: null, os: null };
  return { browser: browserOf(userAgent), os: osOf(userAgent) };
}

// Most browsers also claim to be Chrome or Safari, so the specific names are tried first.
const browsers: [RegExp, string][] = [
  [/MicroMessenger\/(\d+)/, "WeChat"],
  [/Edg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/(?:OPR|Opera)\/(\d+)/, "Opera"],
  [/SamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/(?:Firefox|FxiOS)\/(\d+)/, "Firefox"],
  [/(?:Chrome|CriOS)\/(\d+)/, "Chrome"],
  [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, "Safari"],
];

function browserOf(userAgent: string): string | null {
  for (const [pattern, name] of browsers) {
    const match = pattern.exec(userAgent);
    if (match) return `${name} ${match[1]}`;
  }
  return null;
}

// iPhones say "like Mac OS X" and Android says "Linux", so those are tried before macOS and Linux.
const systems: [RegExp, string][] = [
  [/Windows NT/, "Windows"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/HarmonyOS/, "HarmonyOS"],
  [/Linux/, "Linux"],
];

function osOf(userAgent: string): string | null {
  return systems.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null;
}

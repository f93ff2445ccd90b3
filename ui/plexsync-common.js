// PlexSync in Stash's UI, part 1 of 3: what the scene panel and the PlexSync page share.
//
// Plain JavaScript that Stash loads as it is (PlexSync.yml `ui: javascript:`, in order).
// It uses only window.PluginApi (Stash's React and libraries) and fetch('/graphql'):
// every question to PlexSync is one `runPluginOperation`, which makes Stash run
// PlexSync.py with `args.mode` exactly like a task (docs/tasks.md lists the modes).
(function () {
  "use strict";

  const api = window.PluginApi;
  const React = api.React;
  const h = React.createElement;
  const Badge = api.libraries.Bootstrap.Badge;

  const PLUGIN_ID = "PlexSync";
  const PAGE_PATH = "/plugins/plexsync";
  const OPERATION =
    "mutation PlexSyncOperation($plugin_id: ID!, $args: Map) {" +
    " runPluginOperation(plugin_id: $plugin_id, args: $args) }";

  // How each scene state looks and what it tells the user (docs/ui.md says the same).
  const STATES = {
    synced: { label: "Synced", variant: "success" },
    pending: { label: "Queued", variant: "info" },
    waiting_retry: { label: "Waiting for a retry", variant: "warning" },
    dead_letter: { label: "Failed", variant: "danger" },
    skipped: { label: "Skipped", variant: "secondary" },
    never_synced: { label: "Not synced yet", variant: "secondary" },
  };

  // One PlexSync task mode, run by Stash in a plugin process; resolves to its output.
  // Stash turns the plugin's `error` into a GraphQL error: that text is what we show.
  async function runOperation(mode, args) {
    const response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({
        operationName: "PlexSyncOperation",
        query: OPERATION,
        variables: { plugin_id: PLUGIN_ID, args: Object.assign({ mode: mode }, args || {}) },
      }),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_notJson) {
      body = null;
    }
    if (body && body.errors && body.errors.length) {
      throw new Error(body.errors.map((e) => e.message).join("; "));
    }
    if (!response.ok || !body || !body.data) {
      throw new Error("Stash answered " + response.status + " " + response.statusText);
    }
    const output = body.data.runPluginOperation;
    if (output === null || typeof output !== "object") {
      throw new Error("PlexSync gave no answer to " + mode + "; see Settings > Logs");
    }
    return output;
  }

  function parseTime(iso) {
    const millis = iso ? Date.parse(iso) : NaN;
    return isNaN(millis) ? null : new Date(millis);
  }

  // "3 minutes ago", "in 20 seconds": what a person reads at a glance.
  function relativeTime(date, now) {
    const seconds = Math.round((date.getTime() - now) / 1000);
    const size = Math.abs(seconds);
    const units = [
      [86400, "day"],
      [3600, "hour"],
      [60, "minute"],
      [1, "second"],
    ];
    if (size < 5) {
      return "just now";
    }
    const [unit, name] = units.find(([length]) => size >= length);
    const count = Math.floor(size / unit);
    const text = count + " " + name + (count === 1 ? "" : "s");
    return seconds < 0 ? text + " ago" : "in " + text;
  }

  // A time as relative text, with the full local date and time on hover.
  function TimeText(props) {
    const date = parseTime(props.iso);
    if (!date) {
      return h("span", { className: "text-muted" }, "never");
    }
    return h(
      "time",
      { dateTime: props.iso, title: date.toLocaleString() },
      relativeTime(date, Date.now())
    );
  }

  function StateBadge(props) {
    const look = STATES[props.state] || { label: props.state, variant: "secondary" };
    return h(Badge, { variant: look.variant, className: "plexsync-state-badge" }, look.label);
  }

  function formatSize(bytes) {
    if (!bytes && bytes !== 0) {
      return "";
    }
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let size = bytes;
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    return (unit ? size.toFixed(1) : String(size)) + " " + units[unit];
  }

  // Calls `callback` now and every `everyMs` while mounted and `active`.
  function useInterval(callback, everyMs, active) {
    const saved = React.useRef(callback);
    saved.current = callback;
    React.useEffect(() => {
      if (!active) {
        return undefined;
      }
      saved.current();
      const timer = setInterval(() => saved.current(), everyMs);
      return () => clearInterval(timer);
    }, [everyMs, active]);
  }

  window.PlexSyncUI = {
    PAGE_PATH: PAGE_PATH,
    STATES: STATES,
    runOperation: runOperation,
    parseTime: parseTime,
    relativeTime: relativeTime,
    TimeText: TimeText,
    StateBadge: StateBadge,
    formatSize: formatSize,
    useInterval: useInterval,
  };
})();

// PlexSync in Stash's UI, part 2 of 3: the PlexSync tab on a scene's page (/scenes/<id>).
//
// The tab is added through Stash's patchable `ScenePage.Tabs` (a Nav.Item) and
// `ScenePage.TabContent` (a Tab.Pane). Its state loads after the page with ONE
// `scene_status` operation, shared by the tab's title (a coloured dot) and its
// panel; it is asked again only while the scene is queued (after "Sync now", or
// when the page opened on a queued scene), for at most a minute.
(function () {
  "use strict";

  const api = window.PluginApi;
  const ui = window.PlexSyncUI;
  const React = api.React;
  const h = React.createElement;
  const { Button, Nav, Tab } = api.libraries.Bootstrap;
  const { Link } = api.libraries.ReactRouterDOM;

  const TAB_KEY = "plexsync-panel";
  const POLL_MS = 2000;
  const SETTLE_MS = 60000;

  // ---------------------------------------------------------------- one status per scene

  const entries = new Map();

  function notify(entry) {
    entry.listeners.forEach((listener) => listener());
  }

  async function load(entry) {
    entry.loading = true;
    try {
      entry.data = await ui.runOperation("scene_status", { scene_id: entry.sceneId });
      entry.error = null;
    } catch (error) {
      entry.error = error.message;
    }
    entry.loading = false;
    schedulePoll(entry);
    notify(entry);
  }

  function schedulePoll(entry) {
    clearTimeout(entry.timer);
    const queued = entry.data && entry.data.state === "pending" && !entry.error;
    if (!entry.closed && queued && Date.now() < entry.pollUntil) {
      entry.timer = setTimeout(() => load(entry), POLL_MS);
    }
  }

  async function syncNow(entry) {
    entry.syncing = true;
    entry.error = null;
    notify(entry);
    try {
      await ui.runOperation("sync_scene", { scene_id: entry.sceneId });
      entry.pollUntil = Date.now() + SETTLE_MS;
      await load(entry);
    } catch (error) {
      entry.error = error.message;
    }
    entry.syncing = false;
    notify(entry);
  }

  function subscribe(sceneId, listener) {
    let entry = entries.get(sceneId);
    if (!entry) {
      entry = {
        sceneId: sceneId,
        listeners: new Set(),
        loading: true,
        data: null,
        error: null,
        syncing: false,
        timer: null,
        closed: false,
        pollUntil: Date.now() + SETTLE_MS,
      };
      entries.set(sceneId, entry);
      load(entry);
    }
    entry.listeners.add(listener);
    listener();
    return entry;
  }

  function unsubscribe(entry, listener) {
    entry.listeners.delete(listener);
    if (!entry.listeners.size) {
      entry.closed = true;
      clearTimeout(entry.timer);
      entries.delete(entry.sceneId);
    }
  }

  // The scene's shared status entry; the component re-renders when it changes.
  function useSceneStatus(sceneId) {
    const [, rerender] = React.useReducer((n) => n + 1, 0);
    const [entry, setEntry] = React.useState(null);
    React.useEffect(() => {
      const current = subscribe(sceneId, rerender);
      setEntry(current);
      return () => unsubscribe(current, rerender);
    }, [sceneId]);
    return entry && entry.sceneId === sceneId ? entry : null;
  }

  // ---------------------------------------------------------------- the panel

  function describe(data) {
    switch (data.state) {
      case "synced":
        return "Plex shows this scene's metadata, as last sent by PlexSync.";
      case "pending":
        return data.syncing_now
          ? "PlexSync is sending this scene to Plex now."
          : "Queued: the background worker sends it to Plex shortly.";
      case "waiting_retry":
        return "Plex could not take it yet; PlexSync tries again by itself.";
      case "dead_letter":
        return (
          "PlexSync gave up on this scene. Fix the cause below, then press Sync now " +
          "(or Retry on the PlexSync page)."
        );
      case "skipped":
        return "PlexSync left this scene alone: " + (data.reason || "see the log") + ".";
      default:
        return "PlexSync has not sent this scene to Plex. Press Sync now to send it.";
    }
  }

  function Row(props) {
    return h(
      "div",
      { className: "plexsync-row" },
      h("dt", null, props.label),
      h("dd", null, props.children)
    );
  }

  function Candidates(props) {
    const rows = props.candidates.map((c) =>
      h(
        "tr",
        { key: c.rating_key + c.path },
        h("td", null, c.rating_key),
        h("td", { className: "plexsync-path" }, c.path),
        h("td", { className: "text-nowrap" }, ui.formatSize(c.size))
      )
    );
    return h(
      "div",
      { className: "plexsync-candidates" },
      h("div", null, "Plex items that could be this scene:"),
      h(
        "table",
        { className: "table table-sm" },
        h("thead", null, h("tr", null, h("th", null, "Item"), h("th", null, "File"), h("th", null, "Size"))),
        h("tbody", null, rows)
      ),
      h(
        "div",
        { className: "text-muted" },
        "Fix pathMap so one file matches, or turn on allowAmbiguousMatch in the plugin's settings."
      )
    );
  }

  function Details(props) {
    const data = props.data;
    const rows = [
      h(Row, { key: "state", label: "State" }, h(ui.StateBadge, { state: data.state })),
      h(Row, { key: "synced", label: "Last sync" }, h(ui.TimeText, { iso: data.synced_at })),
    ];
    if (data.state === "waiting_retry") {
      rows.push(h(Row, { key: "next", label: "Next try" }, h(ui.TimeText, { iso: data.next_retry_at })));
    }
    if (data.plex_url) {
      const link = h(
        "a",
        { href: data.plex_url, target: "_blank", rel: "noopener noreferrer", className: "plexsync-open" },
        "Open in Plex"
      );
      rows.push(h(Row, { key: "plex", label: "In Plex" }, link, " (item " + data.rating_key + ")"));
    }
    if (data.last_error) {
      const attempts = data.attempts ? " (after " + data.attempts + " attempt" + (data.attempts === 1 ? ")" : "s)") : "";
      rows.push(h(Row, { key: "error", label: "Last error" }, h("span", { className: "plexsync-last-error" }, data.last_error + attempts)));
    }
    return h("dl", { className: "plexsync-details" }, rows);
  }

  function ScenePanel(props) {
    const entry = useSceneStatus(props.sceneId);
    const body = [];
    if (!entry || (entry.loading && !entry.data && !entry.error)) {
      body.push(h("div", { key: "loading", className: "text-muted" }, "Loading PlexSync state…"));
    }
    if (entry && entry.data) {
      body.push(h("p", { key: "what", className: "plexsync-explain" }, describe(entry.data)));
      body.push(h(Details, { key: "details", data: entry.data }));
      if (entry.data.candidates && entry.data.candidates.length && entry.data.state === "skipped") {
        body.push(h(Candidates, { key: "candidates", candidates: entry.data.candidates }));
      }
    }
    if (entry && entry.error) {
      body.push(h("div", { key: "error", className: "plexsync-error text-danger", role: "alert" }, "PlexSync: " + entry.error));
    }
    const busy = !entry || entry.syncing || (entry.loading && !entry.data);
    body.push(
      h(
        "div",
        { key: "actions", className: "plexsync-actions" },
        h(
          Button,
          { variant: "secondary", size: "sm", disabled: busy, onClick: () => syncNow(entry) },
          entry && entry.syncing ? "Queuing…" : "Sync now"
        ),
        h(Link, { to: ui.PAGE_PATH, className: "plexsync-page-link" }, "PlexSync queue and dead letters")
      )
    );
    return h("div", { className: "plexsync-panel" }, body);
  }

  function TabTitle(props) {
    const entry = useSceneStatus(props.sceneId);
    const state = entry && entry.data ? entry.data.state : entry && entry.error ? "error" : "loading";
    const look = ui.STATES[state];
    return h(
      Nav.Item,
      null,
      h(
        Nav.Link,
        { eventKey: TAB_KEY },
        "PlexSync",
        h("span", {
          className: "plexsync-dot plexsync-dot-" + state,
          title: look ? look.label : state,
        })
      )
    );
  }

  // ---------------------------------------------------------------- Stash's patch points

  // Stash calls an `after` patch with the component's arguments, then the result:
  // the result is always the LAST argument.
  function lastArgument(args) {
    return args[args.length - 1];
  }

  api.patch.after("ScenePage.Tabs", function () {
    const props = arguments[0];
    const result = lastArgument(arguments);
    if (!props || !props.scene) {
      return result;
    }
    return h(React.Fragment, null, result, h(TabTitle, { sceneId: String(props.scene.id) }));
  });

  api.patch.after("ScenePage.TabContent", function () {
    const props = arguments[0];
    const result = lastArgument(arguments);
    if (!props || !props.scene) {
      return result;
    }
    const pane = h(Tab.Pane, { eventKey: TAB_KEY }, h(ScenePanel, { sceneId: String(props.scene.id) }));
    return h(React.Fragment, null, result, pane);
  });
})();

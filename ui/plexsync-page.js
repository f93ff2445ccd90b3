// PlexSync in Stash's UI, part 3 of 3: the PlexSync page at /plugins/plexsync.
//
// Queue counts and the circuit breaker (`queue_status`, every few seconds while the
// page is open), the dead letters (`list_dead_letters`) with Retry, Retry all and
// Clear, and the match report on demand. Registered with PluginApi.register.route
// and linked from Stash's navigation bar (`MainNavBar.UtilityItems`). Not under
// /plugin/: Stash's server keeps that prefix for plugin files.
(function () {
  "use strict";

  const api = window.PluginApi;
  const ui = window.PlexSyncUI;
  const React = api.React;
  const h = React.createElement;
  const { Button, Card, Modal, Table, Badge } = api.libraries.Bootstrap;
  const { Link, NavLink } = api.libraries.ReactRouterDOM;

  const STATUS_EVERY_MS = 5000;
  const REPORT_PAGE_SIZE = 20;
  const CIRCUIT = {
    closed: ["success", "Plex reachable"],
    half_open: ["warning", "Checking whether Plex is back"],
    open: ["danger", "Plex unreachable: syncing paused, nothing is lost"],
  };

  // An operation's result, error and whether it is running, for one part of the page.
  function useOperation() {
    const [state, setState] = React.useState({ data: null, error: null, running: false });
    const alive = React.useRef(true);
    React.useEffect(() => () => (alive.current = false), []);
    const run = React.useCallback(async (mode, args) => {
      setState((s) => Object.assign({}, s, { running: true }));
      try {
        const data = await ui.runOperation(mode, args);
        if (alive.current) setState({ data: data, error: null, running: false });
        return data;
      } catch (error) {
        if (alive.current) setState((s) => ({ data: s.data, error: error.message, running: false }));
        return null;
      }
    }, []);
    return [state, run];
  }

  function ErrorLine(props) {
    return props.error
      ? h("div", { className: "plexsync-error text-danger", role: "alert" }, "PlexSync: " + props.error)
      : null;
  }

  function Count(props) {
    return h(
      "div",
      { className: "plexsync-count" },
      h("div", { className: "plexsync-count-value" }, props.value == null ? "–" : String(props.value)),
      h("div", { className: "plexsync-count-label text-muted" }, props.label)
    );
  }

  function QueueCard(props) {
    const s = props.status.data;
    const circuit = s ? CIRCUIT[s.circuit] || ["secondary", s.circuit] : null;
    return h(
      Card,
      { className: "plexsync-card plexsync-queue" },
      h(Card.Header, null, "Queue"),
      h(
        Card.Body,
        null,
        h(ErrorLine, { error: props.status.error }),
        h(
          "div",
          { className: "plexsync-counts" },
          h(Count, { label: "queued", value: s && s.pending }),
          h(Count, { label: "syncing now", value: s && s.in_progress }),
          h(Count, { label: "waiting for a retry", value: s && s.waiting_retry }),
          h(Count, { label: "dead letters", value: s && s.dead_letters })
        ),
        s &&
          h(
            "div",
            { className: "plexsync-health" },
            h(Badge, { variant: circuit[0], className: "plexsync-circuit" }, circuit[1]),
            h("span", { className: "text-muted" }, " Last successful sync: "),
            h(ui.TimeText, { iso: s.last_success_at }),
            s.next_retry_at && h("span", { className: "text-muted" }, " · next retry "),
            s.next_retry_at && h(ui.TimeText, { iso: s.next_retry_at })
          ),
        h(
          "div",
          { className: "plexsync-actions" },
          h(
            Button,
            { variant: "secondary", size: "sm", disabled: !s || !(s.pending + s.waiting_retry), onClick: props.onClearQueue },
            "Clear queue…"
          )
        )
      )
    );
  }

  function DeadLetterRow(props) {
    const d = props.letter;
    return h(
      "tr",
      null,
      h("td", null, h(Link, { to: "/scenes/" + d.scene_id }, d.title || "Scene " + d.scene_id)),
      h("td", { className: "plexsync-error-text" }, d.error),
      h("td", { className: "text-center" }, d.attempts),
      h("td", { className: "text-nowrap" }, h(ui.TimeText, { iso: d.failed_at })),
      h(
        "td",
        { className: "text-right" },
        h(Button, { variant: "secondary", size: "sm", disabled: props.busy, onClick: () => props.onRetry(d) }, "Retry")
      )
    );
  }

  function DeadLetterCard(props) {
    const list = props.letters.data;
    const busy = props.busy;
    const rows = list ? list.items.map((d) => h(DeadLetterRow, { key: d.scene_id, letter: d, busy: busy, onRetry: props.onRetry })) : [];
    const empty = list && !list.items.length;
    return h(
      Card,
      { className: "plexsync-card plexsync-dead-letters" },
      h(Card.Header, null, "Dead letters", list ? h(Badge, { variant: "secondary", className: "ml-2" }, list.total) : null),
      h(
        Card.Body,
        null,
        h(ErrorLine, { error: props.letters.error }),
        h(
          "p",
          { className: "text-muted" },
          "Scenes PlexSync gave up on. Fix the cause (the error says what), then retry them."
        ),
        empty && h("div", { className: "plexsync-empty" }, "No dead letters."),
        rows.length > 0 &&
          h(
            Table,
            { size: "sm", responsive: true, className: "plexsync-table" },
            h("thead", null, h("tr", null, h("th", null, "Scene"), h("th", null, "Error"), h("th", null, "Attempts"), h("th", null, "When"), h("th", null))),
            h("tbody", null, rows)
          ),
        list && list.total > list.items.length && h("div", { className: "text-muted" }, "Showing the newest " + list.items.length + " of " + list.total + "."),
        h(
          "div",
          { className: "plexsync-actions" },
          h(Button, { variant: "primary", size: "sm", disabled: busy || !rows.length, onClick: props.onRetryAll }, "Retry all"),
          h(Button, { variant: "danger", size: "sm", disabled: busy || !rows.length, onClick: props.onClear }, "Clear…")
        )
      )
    );
  }

  function reportOrder(items) {
    const rank = { low: 0, none: 1 };
    return items.slice().sort((a, b) => (rank[a.confidence] ?? 2) - (rank[b.confidence] ?? 2));
  }

  function ReportRow(props) {
    const item = props.item;
    const candidates = (item.candidates || []).map((c) => c.rating_key + " " + c.path).join("; ");
    return h(
      "tr",
      null,
      h("td", null, h(Link, { to: "/scenes/" + item.scene_id }, item.title || "Scene " + item.scene_id)),
      h("td", null, h(Badge, { variant: item.confidence === "low" ? "warning" : "danger" }, item.confidence === "low" ? "ambiguous" : "unmatched")),
      h("td", null, item.reason),
      h("td", { className: "plexsync-path" }, candidates)
    );
  }

  function ReportCard() {
    const [report, run] = useOperation();
    const [page, setPage] = React.useState(0);
    const data = report.data;
    const items = data ? reportOrder(data.items) : [];
    const pages = Math.max(1, Math.ceil(items.length / REPORT_PAGE_SIZE));
    const shown = items.slice(page * REPORT_PAGE_SIZE, (page + 1) * REPORT_PAGE_SIZE);
    const start = () => {
      setPage(0);
      run("match_report");
    };
    return h(
      Card,
      { className: "plexsync-card plexsync-report" },
      h(Card.Header, null, "Match report"),
      h(
        Card.Body,
        null,
        h("p", { className: "text-muted" }, "How each scene matches a Plex item. Reads Stash and Plex, writes nothing; takes a while on a large library."),
        h(Button, { variant: "secondary", size: "sm", disabled: report.running, onClick: start }, report.running ? "Running…" : "Run match report"),
        h(ErrorLine, { error: report.error }),
        data &&
          h(
            "div",
            { className: "plexsync-report-summary" },
            data.high + " matched, " + data.low + " ambiguous, " + data.unmatched + " unmatched" + (data.items_truncated ? " (" + data.items_truncated + " more not listed)" : "")
          ),
        shown.length > 0 &&
          h(
            Table,
            { size: "sm", responsive: true, className: "plexsync-table" },
            h("thead", null, h("tr", null, h("th", null, "Scene"), h("th", null, "Match"), h("th", null, "Why"), h("th", null, "Candidates"))),
            h("tbody", null, shown.map((item) => h(ReportRow, { key: item.scene_id, item: item })))
          ),
        pages > 1 &&
          h(
            "div",
            { className: "plexsync-pager" },
            h(Button, { variant: "secondary", size: "sm", disabled: page === 0, onClick: () => setPage(page - 1) }, "Previous"),
            h("span", { className: "plexsync-page-number" }, "Page " + (page + 1) + " of " + pages),
            h(Button, { variant: "secondary", size: "sm", disabled: page >= pages - 1, onClick: () => setPage(page + 1) }, "Next")
          )
      )
    );
  }

  function Confirm(props) {
    const ask = props.ask;
    return h(
      Modal,
      { show: !!ask, onHide: props.onCancel, className: "plexsync-confirm" },
      ask && h(Modal.Header, { closeButton: true }, h(Modal.Title, null, ask.title)),
      ask && h(Modal.Body, null, ask.text),
      ask &&
        h(
          Modal.Footer,
          null,
          h(Button, { variant: "secondary", onClick: props.onCancel }, "Cancel"),
          h(Button, { variant: "danger", onClick: props.onConfirm }, ask.confirm)
        )
    );
  }

  function PlexSyncPage() {
    const [status, runStatus] = useOperation();
    const [letters, runLetters] = useOperation();
    const [action, runAction] = useOperation();
    const [notice, setNotice] = React.useState(null);
    const [ask, setAsk] = React.useState(null);

    const refresh = React.useCallback(() => Promise.all([runStatus("queue_status"), runLetters("list_dead_letters")]), [runStatus, runLetters]);
    ui.useInterval(() => runStatus("queue_status"), STATUS_EVERY_MS, true);
    React.useEffect(() => {
      runLetters("list_dead_letters");
    }, [runLetters]);
    const total = status.data ? status.data.dead_letters : null;
    const listed = letters.data ? letters.data.total : null;
    React.useEffect(() => {
      if (total !== null && listed !== null && total !== listed && !letters.running) runLetters("list_dead_letters");
    }, [total, listed]); // eslint-disable-line react-hooks/exhaustive-deps

    const act = async (mode, args, say) => {
      setNotice(null);
      const out = await runAction(mode, args);
      if (out) setNotice(say(out));
      await refresh();
    };
    const onRetry = (d) => act("retry_dead_letter", { scene_id: d.scene_id }, (o) => (o.requeued ? "Scene " + d.scene_id + " is queued again." : "Scene " + d.scene_id + " was no longer a dead letter."));
    const onRetryAll = () => act("retry_dead_letters", {}, (o) => o.requeued + " scene(s) queued again.");
    const askClear = () =>
      setAsk({
        title: "Clear the dead letters?",
        text: "This deletes all " + (listed || 0) + " dead letter(s). Those scenes are not synced until they are edited or synced again.",
        confirm: "Delete dead letters",
        run: () => act("clear_dead_letters", {}, (o) => "Deleted " + o.deleted + " dead letter(s)."),
      });
    const askClearQueue = () =>
      setAsk({
        title: "Clear the queue?",
        text: "This deletes every scene waiting to be synced or retried. Dead letters are kept; a scene being synced right now finishes.",
        confirm: "Delete queued jobs",
        run: () => act("clear_queue", {}, (o) => "Deleted " + o.deleted + " queued job(s)."),
      });
    const confirm = () => {
      const pending = ask;
      setAsk(null);
      pending.run();
    };

    return h(
      "div",
      { className: "plexsync-page container-fluid" },
      h("h2", null, "PlexSync"),
      notice && h("div", { className: "plexsync-notice alert alert-success", role: "status" }, notice),
      h(ErrorLine, { error: action.error }),
      h(QueueCard, { status: status, onClearQueue: askClearQueue }),
      h(DeadLetterCard, { letters: letters, busy: action.running, onRetry: onRetry, onRetryAll: onRetryAll, onClear: askClear }),
      h(ReportCard, null),
      h(Confirm, { ask: ask, onCancel: () => setAsk(null), onConfirm: confirm })
    );
  }

  function NavItem() {
    return h(
      NavLink,
      { className: "nav-utility plexsync-nav", exact: true, to: ui.PAGE_PATH },
      h(Button, { className: "minimal", title: "PlexSync: queue and dead letters" }, "PlexSync")
    );
  }

  api.register.route(ui.PAGE_PATH, PlexSyncPage);
  api.patch.after("MainNavBar.UtilityItems", function () {
    return h(React.Fragment, null, h(NavItem, null), arguments[arguments.length - 1]);
  });
})();

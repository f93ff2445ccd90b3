// The parts of Stash's UI that the PlexSync plugin touches, for the browser tests:
// the navigation bar with its patchable utility items (MainNavbar.tsx), a scene page
// whose tabs are the patchable `ScenePage.Tabs` / `ScenePage.TabContent` containers
// inside a react-bootstrap Tab.Container (Scene.tsx), the `PluginRoutes` container in
// the router's Switch and the `stash:location` event (App.tsx, plugins.tsx). Rendered
// after the plugins' scripts have loaded, as Stash's PluginsLoader does.
(function () {
  "use strict";

  const api = window.PluginApi;
  const React = api.React;
  const h = React.createElement;
  const { BrowserRouter, Switch, Route, Link, NavLink, useLocation, useParams } = api.libraries.ReactRouterDOM;
  const { Navbar, Nav, Button, Tab } = api.libraries.Bootstrap;
  const { PatchComponent, PatchContainerComponent, PatchFunction } = window.StashHarness;

  const UtilityItems = PatchComponent("MainNavBar.UtilityItems", (props) => h(React.Fragment, null, props.children));
  const ScenePageTabs = PatchContainerComponent("ScenePage.Tabs");
  const ScenePageTabContent = PatchContainerComponent("ScenePage.TabContent");
  const PluginRoutes = PatchFunction("PluginRoutes", (props) => h(React.Fragment, null, props.children));

  function MainNavbar() {
    return h(
      Navbar,
      { bg: "dark", variant: "dark", fixed: "top", expand: true, className: "top-nav" },
      h(Navbar.Brand, { as: "div" }, h(Link, { to: "/" }, h(Button, { className: "minimal brand-link" }, "Stash"))),
      h(Nav, { className: "mr-auto" }, h(NavLink, { className: "nav-link", to: "/scenes/1" }, "Scenes")),
      h(
        Nav,
        { className: "navbar-buttons" },
        h(UtilityItems, null, h(NavLink, { className: "nav-utility", exact: true, to: "/settings" }, h(Button, { className: "minimal", title: "Settings" }, "Settings")))
      )
    );
  }

  const ScenePage = PatchComponent("ScenePage", function (props) {
    const scene = props.scene;
    const files = scene.files.map((f) => h("div", { key: f.path, className: "harness-file" }, f.path));
    return h(
      "div",
      { className: "row scene-page" },
      h(
        "div",
        { className: "scene-tabs col-xl-5 col-lg-6" },
        h("h3", { className: "scene-header" }, scene.title || "Scene " + scene.id),
        h(
          Tab.Container,
          { id: "scene-tabs", defaultActiveKey: "scene-details-panel" },
          h(
            "div",
            null,
            h(
              Nav,
              { variant: "tabs", className: "mr-auto" },
              h(
                ScenePageTabs,
                props,
                h(Nav.Item, null, h(Nav.Link, { eventKey: "scene-details-panel" }, "Details")),
                h(Nav.Item, null, h(Nav.Link, { eventKey: "scene-file-info-panel" }, "File Info"))
              )
            )
          ),
          h(
            Tab.Content,
            null,
            h(
              ScenePageTabContent,
              props,
              h(Tab.Pane, { eventKey: "scene-details-panel" }, h("div", { className: "harness-details" }, "Scene details of " + (scene.title || scene.id))),
              h(Tab.Pane, { eventKey: "scene-file-info-panel" }, files)
            )
          )
        )
      ),
      h("div", { className: "scene-player-container col-xl-7 col-lg-6" }, h("div", { className: "harness-player" }))
    );
  });

  function SceneRoute() {
    const { id } = useParams();
    const [scene, setScene] = React.useState(null);
    React.useEffect(() => {
      fetch("/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query: "query FindScene($id: ID) { findScene(id: $id) { id title files { path } } }", variables: { id: id } }),
      })
        .then((r) => r.json())
        .then((body) => setScene(body.data.findScene));
    }, [id]);
    if (!scene) {
      return h("div", { className: "harness-loading" }, "Loading scene…");
    }
    return h(ScenePage, { scene: scene, key: scene.id });
  }

  function LocationEvents() {
    const location = useLocation();
    React.useEffect(() => {
      api.Event.dispatch("location", "", { location: location });
    }, [location]);
    return null;
  }

  function NotFound() {
    return h("h2", { className: "harness-not-found" }, "Page not found");
  }

  function App() {
    return h(
      BrowserRouter,
      null,
      h(LocationEvents, null),
      h(MainNavbar, null),
      h(
        "div",
        { className: "main container-fluid" },
        h(Switch, null, h(Route, { path: "/scenes/:id", component: SceneRoute }), h(PluginRoutes, null), h(Route, { component: NotFound }))
      )
    );
  }

  api.ReactDOM.render(h(App, null), document.getElementById("root"));
})();

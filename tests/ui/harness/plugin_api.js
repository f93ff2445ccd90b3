// A stand-in for Stash's window.PluginApi, for the browser tests.
//
// Built on the real React 17, ReactDOM 17, react-router-dom 5 and react-bootstrap 1.6
// UMD builds (tools/ui_test_deps.py), with the member names of Stash's
// ui/v2.5/src/pluginApi.tsx and the patch semantics of ui/v2.5/src/patch.tsx
// (stashapp/stash cf3489ef): `before` returns the new argument list, `instead`
// chains with a next function appended, `after` gets the arguments plus the result.
// Libraries the PlexSync UI must not need (Apollo, Intl, FontAwesome...) are absent.
(function () {
  "use strict";

  const React = window.React;
  const h = React.createElement;
  const beforeFns = {};
  const insteadFns = {};
  const afterFns = {};
  const components = {};

  function add(map, name, fn) {
    (map[name] = map[name] || []).push(fn);
  }

  function runInstead(fns, targetFn, thisArg, argArray) {
    let i = 1;
    function next() {
      if (i >= fns.length) {
        return targetFn;
      }
      const thisTarget = fns[i++];
      return new Proxy(thisTarget, {
        apply: function (target, ctx, args) {
          return target.apply(ctx, args.concat(next()));
        },
      });
    }
    return fns[0].apply(thisArg, argArray.concat(next()));
  }

  function PatchFunction(name, fn) {
    return new Proxy(fn, {
      apply(target, ctx, args) {
        let result;
        for (const beforeFn of beforeFns[name] || []) {
          args = beforeFn.apply(ctx, args);
        }
        if (insteadFns[name]) {
          result = runInstead(insteadFns[name], target, ctx, args);
        } else {
          result = target.apply(ctx, args);
        }
        for (const afterFn of afterFns[name] || []) {
          result = afterFn.apply(ctx, args.concat(result));
        }
        return result;
      },
    });
  }

  function RegisterComponent(name, fn) {
    if (components[name]) {
      throw new Error("Component " + name + " has already been registered");
    }
    components[name] = fn;
    return fn;
  }

  function PatchComponent(name, fn) {
    return RegisterComponent(name, PatchFunction(name, fn));
  }

  function PatchContainerComponent(name) {
    return PatchComponent(name, (props) => h(React.Fragment, null, props.children));
  }

  function registerRoute(path, component) {
    const Route = window.ReactRouterDOM.Route;
    add(beforeFns, "PluginRoutes", function (props) {
      return [{ children: h(React.Fragment, null, props.children, h(Route, { path: path, component: component })) }];
    });
  }

  class StashEvent extends EventTarget {
    dispatch(event, id, data) {
      event = "stash:" + event + (id ? ":" + id : "");
      this.dispatchEvent(
        new CustomEvent(event, {
          detail: Object.assign({ event: event }, id ? { id: id } : {}, data ? { data: data } : {}),
        })
      );
    }
  }

  window.PluginApi = {
    React: React,
    ReactDOM: window.ReactDOM,
    libraries: {
      ReactRouterDOM: window.ReactRouterDOM,
      Bootstrap: window.ReactBootstrap,
    },
    register: { route: registerRoute, component: RegisterComponent },
    components: components,
    patch: {
      before: (name, fn) => add(beforeFns, name, fn),
      instead: (name, fn) => add(insteadFns, name, fn),
      after: (name, fn) => add(afterFns, name, fn),
    },
    Event: new StashEvent(),
  };
  window.StashHarness = {
    PatchFunction: PatchFunction,
    PatchComponent: PatchComponent,
    PatchContainerComponent: PatchContainerComponent,
  };
})();

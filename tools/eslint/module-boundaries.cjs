// Which project may import which, by tag (project.json "tags"). Shared by eslint.config.mjs and the test that
// proves an app-to-app import fails the build.
module.exports = {
  enforceBuildableLibDependency: false,
  allowCircularSelfDependency: false,
  depConstraints: [
    // Apps use libs only: never another app.
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
    // Libs use libs only; libs never import apps.
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    // Product code never imports the test harness.
    { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:testing'] },
    // Black-box tests import libs only (never an app's internals).
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
  ],
};

// playwright-core is installed into .e2e/ by test/e2e/install.sh (it is not a dependency of the
// package), so the type checker sees it as an untyped module.
declare module 'playwright-core';

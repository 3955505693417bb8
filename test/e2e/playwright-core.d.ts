// playwright-core is installed into .e2e/ by test/e2e/install.sh (it is not a dependency of the
// package), so the type checker gets these loose declarations of what the tests use.
declare module 'playwright-core' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = any;
  export type Browser = Loose;
  export type Page = Loose;
  export type Frame = Loose;
  export const chromium: Loose;
}

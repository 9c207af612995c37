// The package's entry point ("main"/"types" in package.json): the Trustcheck construct for other
// CDK apps to embed, its props, and the stack this repository's app deploys.
export * from './trustcheck';
export { TrustcheckStack, TrustcheckStackProps } from './trustcheck-stack';

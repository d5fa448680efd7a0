/**
 * Lambda's own vocabulary, shared by every layer (the benchmark, the prediction model, the targets):
 * kept in a module that imports nothing, so that no layer imports a higher one for a word.
 */

/** A function's instruction set architecture, as Lambda names it. */
export type Architecture = 'x86_64' | 'arm64';

/** How a function's code reaches Lambda: a zip archive or a container image. */
export type PackageType = 'Zip' | 'Image';

/** The benchmark core: steps shared by the local run and the AWS run, statistics and report writers. */
export * from './types';
export * from './config';
export * from './reference-payload';
export * from './clients';
export * from './cold-start';
export * from './invoke';
export * from './report-line';
export * from './collect-reports';
export * from './records';
export * from './statistics';
export * from './cost';
export * from './aggregate';
export * from './render-csv';
export * from './render-svg';
export * from './render-markdown';
export * from './result-files';

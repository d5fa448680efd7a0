/** `npm run audit`: permissions, data resources and acknowledged findings, read from the synthesized template. */
export * from './audit';
export { renderAudit } from './render';
export { TemplateView, type Template } from './template';

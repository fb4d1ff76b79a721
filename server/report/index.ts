export { renderReport, rebinHistogram, formatEffect, type RenderedReport } from './render-report';
export { recommend, type Recommendation, type Action } from './recommendation';
export { loadReportData, type LoadReportDeps } from './load-report-data';
export { createReportRepository, type ReportRepository } from './report-repository';
export * from './report-types';

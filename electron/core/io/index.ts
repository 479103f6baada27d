export * from './csv/index.ts';
export * from './export/index.ts';

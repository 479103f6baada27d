export * from './csv/index.ts';
export * from './export/index.ts';
export * from './read-table.ts';

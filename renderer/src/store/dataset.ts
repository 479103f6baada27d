// The CSV (or workbook sheet) in use: importing it (a path in Electron, an upload in served mode), its preview, samples.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { CallResponse, ContractError, DatasetSummary, RaggedPolicy } from '../../../shared/contract.ts';
import { api, csvSourceFor } from '../api.ts';
import { asContractError, errorText } from '../bridge.ts';
import { specToDraft } from '../features/agent/spec.ts';
import { useAgent } from './agent.ts';

export const PREVIEW_ROWS = 50;
type Sample = CallResponse<'dataset:samples'>[number];

interface DatasetState {
  dataset: DatasetSummary | null;
  preview: string[][] | null;
  previewError: string | null;
  importing: string | null; // the file name being imported
  importError: ContractError | null;
  /** The file of the last failed import, to try again with another ragged-row policy. */
  lastFile: File | null;
  /** The ragged-row policy of the last failed import: it is not offered again. */
  lastRagged: RaggedPolicy | null;
  /** The workbook the dataset came from, to import another of its sheets. */
  workbook: { file: File } | { path: string; name: string } | null;
  /** Imports another sheet of the current dataset's workbook. */
  pickSheet(sheet: string): Promise<boolean>;
  samples: Sample[] | null;
  samplesError: string | null;
  /** One row beyond the preview, fetched for the Agent screen's prompt preview; key: `datasetId:rowNo`. */
  row: { key: string; row: string[] } | null;
  rowError: { key: string; message: string } | null;
  importFile(file: File, ragged?: RaggedPolicy, sheet?: string): Promise<boolean>;
  /** A file the user chose in the app's native open dialog (Electron). */
  importPath(path: string, name: string, sheet?: string): Promise<boolean>;
  loadSamples(): Promise<void>;
  loadSample(sampleId: string): Promise<boolean>;
  loadPreview(): Promise<void>;
  /** Fetches row `rowNo` (1-based) of the dataset into `row`. */
  loadRow(rowNo: number): Promise<void>;
  clearError(): void;
}

export const useDataset = create<DatasetState>()(
  persist(
    (set, get) => ({
      dataset: null,
      preview: null,
      previewError: null,
      importing: null,
      importError: null,
      lastFile: null,
      lastRagged: null,
      workbook: null,
      samples: null,
      samplesError: null,
      row: null,
      rowError: null,

      async importFile(file, ragged, sheet) {
        set({ importing: file.name, importError: null, lastFile: file, lastRagged: ragged ?? null });
        try {
          const source = await csvSourceFor(file);
          const dataset = await api.invoke('dataset:import', { source, name: file.name, ...(ragged ? { ragged } : {}), ...(sheet ? { sheet } : {}) });
          set({ dataset, preview: null, importing: null, lastFile: null, lastRagged: null, workbook: dataset.sheets ? { file } : null });
          await get().loadPreview();
          return true;
        } catch (e) {
          set({ importing: null, importError: asContractError(e) });
          return false;
        }
      },

      async pickSheet(sheet) {
        const book = get().workbook;
        if (!book) return false;
        return 'file' in book ? get().importFile(book.file, undefined, sheet) : get().importPath(book.path, book.name, sheet);
      },

      async importPath(path, name, sheet) {
        set({ importing: name, importError: null, lastFile: null, lastRagged: null });
        try {
          const dataset = await api.invoke('dataset:import', { source: { kind: 'path', path }, name, ...(sheet ? { sheet } : {}) });
          set({ dataset, preview: null, importing: null, lastFile: null, workbook: dataset.sheets ? { path, name } : null });
          await get().loadPreview();
          return true;
        } catch (e) {
          set({ importing: null, importError: asContractError(e) });
          return false;
        }
      },

      async loadSamples() {
        try {
          set({ samples: await api.invoke('dataset:samples', {}), samplesError: null });
        } catch (e) {
          set({ samplesError: asContractError(e).message });
        }
      },

      async loadSample(sampleId) {
        set({ importing: 'sample', importError: null });
        try {
          const { dataset, agent } = await api.invoke('dataset:loadSample', { sampleId });
          useAgent.getState().setDraft(specToDraft(agent, 'simulated'));
          set({ dataset, preview: null, importing: null, lastFile: null, workbook: null });
          await get().loadPreview();
          return true;
        } catch (e) {
          set({ importing: null, importError: asContractError(e) });
          return false;
        }
      },

      async loadPreview() {
        const ds = get().dataset;
        if (!ds) return;
        try {
          const { rows } = await api.invoke('dataset:rows', { datasetId: ds.id, offset: 0, limit: PREVIEW_ROWS });
          if (get().dataset?.id === ds.id) set({ preview: rows, previewError: null });
        } catch (e) {
          const err = asContractError(e);
          if (err.code === 'not-found') set({ dataset: null, preview: null, previewError: null });
          else set({ previewError: err.message });
        }
      },

      async loadRow(rowNo) {
        const ds = get().dataset;
        if (!ds) return;
        const key = `${ds.id}:${rowNo}`;
        try {
          const { rows } = await api.invoke('dataset:rows', { datasetId: ds.id, offset: rowNo - 1, limit: 1 });
          set({ row: { key, row: rows[0] ?? [] }, rowError: null });
        } catch (e) {
          set({ rowError: { key, message: errorText(e) } });
        }
      },

      clearError: () => set({ importError: null, lastFile: null, lastRagged: null }),
    }),
    { name: 'rowrunner.dataset', version: 1, partialize: (s) => ({ dataset: s.dataset }) },
  ),
);

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is plain static files: Electron loads them from disk and `rowrunner serve` serves the
// same build, so every asset path is relative (base './').
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2023',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});

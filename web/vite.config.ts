import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// `npm run dev` proxies the API to a running `make dev` (MARKETDESK_API, default :8080).
const api = process.env.MARKETDESK_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [preact()],
  build: { target: 'es2022', sourcemap: false },
  server: { proxy: { '/v1': api } },
});

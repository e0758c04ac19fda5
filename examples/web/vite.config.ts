import { defineConfig } from "vite";

// `cognito-authsignal dev` serves dist/ at `/`, next to the API and the local Cognito and
// Authsignal stand-ins, so the app is built for the site root.
export default defineConfig({
  base: "/",
  build: { outDir: "dist" },
});

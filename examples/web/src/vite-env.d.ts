/// <reference types="vite/client" />

// Build-time configuration for a real deployment (dev serves /local/config.json instead).
interface ImportMetaEnv {
  readonly VITE_API_URL?: string;
  readonly VITE_USER_POOL_ID?: string;
  readonly VITE_USER_POOL_CLIENT_ID?: string;
  readonly VITE_USER_POOL_ENDPOINT?: string;
  readonly VITE_AUTHSIGNAL_API_URL?: string;
  readonly VITE_AUTHSIGNAL_TENANT_ID?: string;
  readonly VITE_ADMIN_GROUP?: string;
  readonly VITE_CHALLENGE_UI?: string;
  readonly VITE_SIGN_IN_MODE?: string;
  readonly VITE_SIGN_IN_ACTION?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

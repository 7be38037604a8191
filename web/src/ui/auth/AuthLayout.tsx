import type { ComponentChildren } from 'preact';

/** The frame of the signed-out pages: the name of the app and one card. */
export function AuthLayout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth">
      <div class="auth-card">
        <p class="brand" aria-hidden="true">
          Messenger
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

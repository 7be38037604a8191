/** A section that is not built yet in this client (the API has it). */
export function Placeholder({ title }: { title: string }) {
  return (
    <main class="placeholder-page">
      <h1>{title}</h1>
      <p class="empty">Coming soon to the web client.</p>
    </main>
  );
}

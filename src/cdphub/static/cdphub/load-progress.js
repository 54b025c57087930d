// A data load's page while the load waits or runs: every 2 seconds, fetch the page again
// and swap in its status region (announced politely to screen readers). When the load has
// finished, reload once to show the full report. Without JavaScript the page offers a
// refresh link instead. Kept in a file, not inline, for the content security policy.
const region = document.getElementById("load-status");

function schedule(seconds) {
  window.setTimeout(poll, seconds * 1000);
}

async function poll() {
  try {
    const response = await fetch(window.location.href, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("load-status");
    if (!fresh || !fresh.dataset.refreshSeconds) {
      window.location.reload(); // finished: show the report, counts and any problems
      return;
    }
    region.innerHTML = fresh.innerHTML;
    schedule(Number(fresh.dataset.refreshSeconds) || 2);
  } catch {
    schedule(5);
  }
}

if (region && region.dataset.refreshSeconds) {
  schedule(Number(region.dataset.refreshSeconds) || 2);
}

//! What a page's changes did: a counter the lists key their data on (so they refresh after a
//! change, but not after a rejected submission, which would re-render the open dialog and lose
//! what the user typed), and a status line that says it in a sentence ("Token ci-deployer
//! deleted."), shown under the page's heading and announced politely by screen readers.

use leptos::prelude::*;

use crate::api::AppError;

#[derive(Clone, Copy)]
pub struct Changes {
    saved: RwSignal<u32>,
    said: RwSignal<Option<String>>,
}

impl Changes {
    pub fn new() -> Self {
        Self { saved: RwSignal::new(0), said: RwSignal::new(None) }
    }

    /// How many changes have been saved: read it to refresh after each.
    pub fn saved(&self) -> u32 {
        self.saved.get()
    }

    /// Counts each successful submission of `action` and says what it did.
    pub fn watch<S>(&self, action: ServerAction<S>, notice: impl Fn(&S::Output) -> String + 'static)
    where
        S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        let this = *self;
        Effect::new(move |_| {
            action.value().with(|value| {
                if let Some(Ok(output)) = value {
                    this.saved.update(|n| *n += 1);
                    this.said.set(Some(notice(output)));
                }
            })
        });
    }
}

impl Default for Changes {
    fn default() -> Self {
        Self::new()
    }
}

/// The status line. The live region is in the page from the start (empty), as it must be for
/// what appears in it to be announced; the message's box appears with the message (`:empty`
/// did not hide an empty one rendered inside a Suspense).
#[component]
pub fn StatusLine(changes: Changes) -> impl IntoView {
    view! {
        <div class="status-line" role="status">
            {move || changes.said.get().map(|said| view! { <p class="alert success">{said}</p> })}
        </div>
    }
}

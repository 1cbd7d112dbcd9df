//! What the HTTPS benchmarks share: the test harness's box with a clock they move, signed-in
//! clients (adults by password, pupils by their picture code), a printed seed, and dates.

use crate::{TestApp, extract_csrf};
use preau_app::Clock;
use preau_app::demo::{DemoAccount, DemoPlan};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use time::{Date, OffsetDateTime, UtcOffset};

/// The bound of every request a benchmark sends.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// The seed of a run: `PREAU_BENCH_SEED` to replay one, else from the time (odd, so that
/// xorshift never starts at zero).
pub fn bench_seed() -> u64 {
    std::env::var("PREAU_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

/// Today in Paris (winter time is close enough for choosing dates).
pub fn paris_today() -> Date {
    OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(1, 0, 0).expect("offset"))
        .date()
}

/// Unix seconds of `date` at `hour`:00 UTC.
pub fn unix_at(date: Date, hour: u8) -> i64 {
    date.with_hms(hour, 0, 0)
        .expect("time")
        .assume_utc()
        .unix_timestamp()
}

/// The test harness's box with a clock the bench can move.
pub struct BenchBox {
    /// The box (server, app, demo school).
    pub t: TestApp,
    /// Seconds added to the system clock.
    offset: Arc<AtomicI64>,
}

impl BenchBox {
    /// Starts the box with the demo `plan` and a clock that [`BenchBox::set_now`] moves.
    pub async fn start(plan: DemoPlan) -> BenchBox {
        let offset = Arc::new(AtomicI64::new(0));
        let clock: Clock = {
            let offset = offset.clone();
            Arc::new(move || {
                OffsetDateTime::now_utc().unix_timestamp() + offset.load(Ordering::SeqCst)
            })
        };
        let t = TestApp::builder().plan(plan).clock(clock).start().await;
        BenchBox { t, offset }
    }

    /// Moves the clock to `at` (Unix seconds).
    pub fn set_now(&self, at: i64) {
        let real = OffsetDateTime::now_utc().unix_timestamp();
        self.offset.store(at - real, Ordering::SeqCst);
    }

    /// Puts the clock back to the real time.
    pub fn real_time(&self) {
        self.offset.store(0, Ordering::SeqCst);
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.t.base)
    }

    /// A client trusting the box's CA, keeping cookies, not following redirects.
    pub fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.t.ca_pem.as_bytes()).expect("CA");
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_LIMIT)
            .build()
            .expect("client")
    }

    /// The CSRF token on `page` (fetched with `client`).
    pub async fn csrf(&self, client: &reqwest::Client, page: &str) -> String {
        let html = client
            .get(self.url(page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        extract_csrf(&html).unwrap_or_else(|| panic!("no CSRF field on {page}"))
    }

    /// An adult signed in with a password.
    pub async fn sign_in(&self, login: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let token = self.csrf(&client, "/connexion").await;
        let r = client
            .post(self.url("/connexion"))
            .form(&[
                ("_csrf", token.as_str()),
                ("login", login),
                ("password", password),
            ])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(r.status(), 303, "sign-in of {login}");
        client
    }

    /// A pupil signed in with their picture code.
    pub async fn pupil(&self, pupil: &DemoAccount) -> reqwest::Client {
        let client = self.client();
        let page = format!("/connexion/eleve/{}", pupil.user.id);
        let mut so_far = String::new();
        for (i, picture) in pupil.pictures.expect("pictures").iter().enumerate() {
            let token = self.csrf(&client, "/connexion").await;
            let image = picture.to_string();
            let r = client
                .post(self.url(&page))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("deja", so_far.as_str()),
                    ("image", image.as_str()),
                ])
                .send()
                .await
                .expect("picture");
            assert_eq!(
                r.status(),
                if i < 2 { 200 } else { 303 },
                "picture step {i}"
            );
            so_far = if so_far.is_empty() {
                image
            } else {
                format!("{so_far}-{image}")
            };
        }
        client
    }
}

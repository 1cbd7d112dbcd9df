//! Browser test: real Chromium, driven over WebDriver (chromedriver) with `fantoccini`, walks
//! through the teacher's and the pupil's sign-in journeys on a running box.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`). Without them the test prints a loud SKIPPED line and passes, unless
//! `PREAU_REQUIRE_BROWSER=1` is set, in which case it fails.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use preau_app::demo::DemoAccount;
use preau_tests::TestApp;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Upper bound of every wait on the browser.
const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teacher_and_pupil_sign_in_with_a_real_browser() {
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let started = Instant::now();
    let app = TestApp::start().await;
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;

    teacher_journey(&client, &app).await;
    let pupil = pupil_journey(&client, &app).await;
    search_journey(&client, &app).await;
    hand_in_journey(&client, &app, pupil).await;

    client.close().await.expect("close the browser session");
    drop(driver);
    eprintln!(
        "browser test: both journeys passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Signs the first teacher in with a password, opens their class, signs out.
async fn teacher_journey(client: &Client, app: &TestApp) {
    let teacher = &app.school.teachers[0];
    let class = &app.school.classes[0];
    let password = teacher.password.as_deref().expect("teacher password");

    goto(client, &app.url("/connexion")).await;
    let login = wait_for(client, "//input[@id='login']", "the login field").await;
    screenshot(client, "browser-sign-in.png").await;
    login
        .send_keys(&teacher.user.login)
        .await
        .expect("type the login");
    let field = wait_for(client, "//input[@id='password']", "the password field").await;
    field.send_keys(password).await.expect("type the password");
    click(
        client,
        "//form[.//input[@id='login']]//button[@type='submit']",
        "the sign-in button",
    )
    .await;

    // The portal.
    let hello = format!("Bonjour {}", teacher.user.first_name);
    wait_for(
        client,
        &format!("//h1[contains(normalize-space(.), {})]", literal(&hello)),
        "the teacher's greeting",
    )
    .await;
    wait_for_path(client, "/").await;
    let tile = tile_xpath(&class.name);
    wait_for(client, &tile, "the tile of the teacher's class").await;
    screenshot(client, "browser-teacher-portal.png").await;

    // The class page lists its pupils.
    click(client, &tile, "the tile of the teacher's class").await;
    wait_for(
        client,
        &format!("//h1[normalize-space(.) = {}]", literal(&class.name)),
        "the class title",
    )
    .await;
    let pupils = pupils_of_first_class(app);
    let pupil = pupils.first().expect("a pupil in the first class");
    let row = format!(
        "//table//th[@scope='row'][normalize-space(.) = {}]",
        literal(&pupil.user.full_name())
    );
    wait_for(client, &row, "the pupil's row on the class page").await;
    let rows = client
        .find_all(Locator::XPath("//table/tbody/tr"))
        .await
        .expect("class rows");
    assert_eq!(
        rows.len(),
        pupils.len(),
        "the class page should list every pupil of {}",
        class.name
    );
    screenshot(client, "browser-teacher-class.png").await;

    // Sign out.
    sign_out(client).await;
    wait_for(
        client,
        "//input[@id='login']",
        "the sign-in form after signing out",
    )
    .await;
}

/// Signs a pupil of the first class in: class, name, then the three pictures. Returns the
/// pupil, left signed in.
async fn pupil_journey<'a>(client: &Client, app: &'a TestApp) -> &'a DemoAccount {
    let class = &app.school.classes[0];
    let pupils = pupils_of_first_class(app);
    // A pupil whose short name ("Léa M.") is unique in the class, so the name tile is unambiguous.
    let pupil = pupils
        .iter()
        .find(|p| {
            pupils
                .iter()
                .filter(|q| q.user.short_name() == p.user.short_name())
                .count()
                == 1
        })
        .expect("a pupil with a unique short name in the first class");
    sign_in_pupil(client, app, pupil, true).await;

    // The pupil's portal.
    let hello = format!("Bonjour {}", pupil.user.first_name);
    wait_for(
        client,
        &format!("//h1[contains(normalize-space(.), {})]", literal(&hello)),
        "the pupil's greeting",
    )
    .await;
    wait_for_path(client, "/").await;
    wait_for(
        client,
        &format!(
            "//p[contains(@class, 'lead')][contains(normalize-space(.), {})]",
            literal(&class.name)
        ),
        "the pupil's class in the lead paragraph",
    )
    .await;
    screenshot(client, "browser-pupil-portal.png").await;
    pupil
}

/// The signed-in pupil finds the teacher's worksheet by a word of its content (typed
/// without its accent) and opens it.
async fn search_journey(client: &Client, app: &TestApp) {
    let teacher = preau_tests::files::subject(&app.app, app.school.teachers[0].user.id);
    let mut incoming = app.app.incoming("fractions.txt").expect("incoming");
    incoming
        .write("Partager une tarte en quatre parts égales : chaque part est un quart.".as_bytes())
        .expect("write");
    let received = incoming.finish().expect("finish");
    let form = preau_app::library::ResourceForm {
        title: "Les fractions".into(),
        kind: Some(preau_core::ResourceKind::Worksheet),
        levels: vec![preau_core::Level::Cp],
        ..Default::default()
    };
    app.app
        .publish_resource(&teacher, &form, Some(("fractions.txt", &received)))
        .expect("publish");
    app.app.index_pending().expect("index");

    goto(client, &app.url("/")).await;
    click(client, &tile_xpath("Rechercher"), "the search tile").await;
    let field = wait_for(client, "//input[@id='q']", "the search box").await;
    field.send_keys("egales").await.expect("type a word");
    click(
        client,
        "//form[@role='search']//button[@type='submit']",
        "the search button",
    )
    .await;
    let result = "//a[contains(@class, 'result-title')][normalize-space(.) = 'Les fractions']";
    wait_for(client, result, "the worksheet in the results").await;
    wait_for(
        client,
        "//p[contains(@class, 'snippet')]/mark",
        "the highlighted word",
    )
    .await;
    screenshot(client, "browser-pupil-search.png").await;
    click(client, result, "the worksheet").await;
    wait_for(
        client,
        "//h1[contains(normalize-space(.), 'Les fractions')]",
        "the worksheet's page",
    )
    .await;
}

/// The signed-in pupil saves work in "Mes documents" (file chooser, upload with progress),
/// hands it in for the teacher's assignment, and the teacher sees it in the assignment.
async fn hand_in_journey(client: &Client, app: &TestApp, pupil: &DemoAccount) {
    let teacher = &app.school.teachers[0];
    let teacher_subject = preau_tests::files::subject(&app.app, teacher.user.id);
    let form = preau_app::assignments::AssignmentForm {
        class: Some(app.school.classes[0].id),
        title: "Mon animal préféré".into(),
        instructions: "Écris trois phrases sur ton animal préféré.".into(),
        due: preau_app::paris::input_value(app.app.now() + 3 * 24 * 3600),
        ..Default::default()
    };
    let assignment = app
        .app
        .create_assignment(&teacher_subject, &form)
        .expect("assignment");

    // Save work in "Mes documents".
    goto(client, &app.url("/")).await;
    click(client, &tile_xpath("Mes documents"), "the documents tile").await;
    wait_for_path(client, "/documents").await;
    click(
        client,
        "//a[contains(concat(' ', normalize-space(@class), ' '), ' tile ')][contains(normalize-space(.), 'Mes documents')]",
        "the pupil's own space",
    )
    .await;
    let chooser = wait_for(
        client,
        "//input[@type='file'][@id='fichiers']",
        "the file chooser",
    )
    .await;
    let work = tempfile::tempdir().expect("temp dir");
    let file = work.path().join("mon-animal.txt");
    std::fs::write(&file, "J'aime les chats. Ils sont doux. Ils ronronnent.").expect("work file");
    chooser
        .send_keys(file.to_str().expect("path"))
        .await
        .expect("choose the file");
    screenshot(client, "browser-pupil-upload.png").await;
    click(
        client,
        "//form[@data-upload]//button[@type='submit']",
        "the send button",
    )
    .await;
    wait_for(
        client,
        "//table//th[@scope='row'][contains(normalize-space(.), 'mon-animal.txt')]",
        "the saved file in the pupil's space",
    )
    .await;
    screenshot(client, "browser-pupil-documents.png").await;

    // Hand it in from "Mes documents".
    goto(client, &app.url("/")).await;
    click(client, &tile_xpath("Devoirs"), "the assignments tile").await;
    click(
        client,
        "//a[normalize-space(.) = 'Mon animal préféré']",
        "the assignment",
    )
    .await;
    click(
        client,
        "//label[contains(normalize-space(.), 'mon-animal.txt')]/input[@type='checkbox']",
        "the file from the pupil's space",
    )
    .await;
    click(
        client,
        "//form[@data-upload]//button[@type='submit']",
        "the hand-in button",
    )
    .await;
    wait_for(
        client,
        "//p[contains(normalize-space(.), 'Rendu le')]",
        "the hand-in receipt",
    )
    .await;
    screenshot(client, "browser-pupil-handed-in.png").await;
    sign_out(client).await;

    // The teacher sees it in the assignment.
    goto(client, &app.url("/connexion")).await;
    let login = wait_for(client, "//input[@id='login']", "the login field").await;
    login.send_keys(&teacher.user.login).await.expect("login");
    let field = wait_for(client, "//input[@id='password']", "the password field").await;
    field
        .send_keys(teacher.password.as_deref().expect("password"))
        .await
        .expect("password");
    click(
        client,
        "//form[.//input[@id='login']]//button[@type='submit']",
        "the sign-in button",
    )
    .await;
    wait_for_path(client, "/").await;
    goto(client, &app.url(&format!("/devoirs/{}", assignment.id))).await;
    let row = format!(
        "//tr[th[normalize-space(.) = {}]][.//span[normalize-space(.) = 'Rendu']][.//a[contains(normalize-space(.), 'mon-animal.txt')]]",
        literal(&pupil.user.full_name())
    );
    wait_for(client, &row, "the pupil's hand-in in the teacher's table").await;
    screenshot(client, "browser-teacher-assignment.png").await;
}

/// Issue 5: a teacher books the video projector for next Tuesday at 9:00 through the form
/// and sees it in the week grid; a second teacher is refused the same slot and told who
/// holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_books_the_video_projector_and_another_is_refused() {
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let app = TestApp::start().await;
    // The demo's rooms and equipment (with its video projector) come with its documents.
    app.app
        .seed_demo_documents(&app.school)
        .expect("demo rooms and equipment");
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;
    let (first, second) = (&app.school.teachers[0], &app.school.teachers[1]);

    // Next Tuesday, or the first Tuesday after it that is a school day (zone C by default).
    let calendar = app.app.booking_settings().expect("settings").calendar;
    let mut tuesday = preau_app::bookings::today(app.app.now());
    loop {
        tuesday = tuesday.tomorrow().expect("a later date");
        if tuesday.weekday().to_monday_one_offset() == 2 && calendar.day_closure(tuesday).is_none()
        {
            break;
        }
    }
    let monday = preau_app::bookings::monday_of(tuesday);
    // The grid's row holding 9:00 (a period of the school day).
    let nine = calendar
        .periods
        .iter()
        .find(|p| {
            (p.start.hour(), p.start.minute()) <= (9, 0) && (p.end.hour(), p.end.minute()) > (9, 0)
        })
        .expect("a period at 9:00")
        .label();
    let tuesday_cell = format!(
        "//table[contains(@class, 'booking-grid')]//tr[th[normalize-space(.) = {}]]/td[2]",
        literal(&nine)
    );

    // The first teacher opens the video projector's week from the portal.
    sign_in(&client, &app, first).await;
    click(&client, &tile_xpath("Réservations"), "the bookings tile").await;
    click(
        &client,
        "//ul[contains(@class, 'bookable-list')]//a[normalize-space(.) = 'Vidéoprojecteur']",
        "the video projector",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = 'Vidéoprojecteur']",
        "the projector's week",
    )
    .await;
    let week = client.current_url().await.expect("URL").path().to_string();
    goto(&client, &app.url(&format!("{week}?semaine={monday}"))).await;
    click(
        &client,
        &format!("{tuesday_cell}//a[normalize-space(.) = 'Réserver']"),
        "the « Réserver » link of Tuesday's 9:00 period",
    )
    .await;

    // The form comes prefilled with the day; the teacher sets 9:00–10:00.
    wait_for(
        &client,
        &format!("//input[@id='date'][@value='{tuesday}']"),
        "the booking form with Tuesday's date",
    )
    .await;
    // Time inputs take keystrokes in the browser's locale: set their values directly.
    client
        .execute(
            "document.getElementById('start').value = '09:00';\
             document.getElementById('end').value = '10:00';",
            vec![],
        )
        .await
        .expect("set the times");
    let purpose = wait_for(&client, "//input[@id='purpose']", "the purpose field").await;
    purpose
        .send_keys("Exposés sur les volcans")
        .await
        .expect("type the purpose");
    screenshot(&client, "browser-booking-form.png").await;
    click(
        &client,
        "//form[contains(@class, 'booking-form')]//button[@type='submit']",
        "the « Réserver » button",
    )
    .await;

    // The week grid shows the booking: the teacher's name in the 9:00 row, Tuesday column.
    wait_for(
        &client,
        "//p[contains(@class, 'notice')][contains(normalize-space(.), 'Réservation enregistrée')]",
        "the confirmation",
    )
    .await;
    wait_for(
        &client,
        &format!(
            "{tuesday_cell}[.//strong[normalize-space(.) = {}]][.//span[normalize-space(.) = '9 h 00 – 10 h 00']]",
            literal(&first.user.full_name())
        ),
        "the booking in Tuesday's 9:00 cell",
    )
    .await;
    client
        .execute(
            "document.querySelector('.booking-grid').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll to the grid");
    screenshot(&client, "browser-booking-week.png").await;
    sign_out(&client).await;
    client.delete_all_cookies().await.expect("clear cookies");

    // The second teacher tries the same slot and is told who holds it.
    sign_in(&client, &app, second).await;
    let bookable = week.rsplit('/').next().expect("bookable id");
    goto(
        &client,
        &app.url(&format!(
            "/reservations/reserver?bookable={bookable}&date={tuesday}&start=9:00&end=10:00"
        )),
    )
    .await;
    click(
        &client,
        "//form[contains(@class, 'booking-form')]//button[@type='submit']",
        "the « Réserver » button",
    )
    .await;
    let refusal = format!(
        "//p[@role='alert'][contains(normalize-space(.), 'déjà réservé')][contains(normalize-space(.), {})]",
        literal(&first.user.full_name())
    );
    wait_for(&client, &refusal, "the refusal naming the first teacher").await;
    wait_for(
        &client,
        &format!("//input[@id='date'][@value='{tuesday}']"),
        "the refused form still filled in",
    )
    .await;
    screenshot(&client, "browser-booking-refused.png").await;

    client.close().await.expect("close the browser session");
    drop(driver);
}

/// Signs a pupil in as a pupil does: the class tile, their name tile, their three pictures
/// (with screenshots of the steps when `screenshots`).
async fn sign_in_pupil(client: &Client, app: &TestApp, pupil: &DemoAccount, screenshots: bool) {
    let class = app
        .school
        .classes
        .iter()
        .find(|c| pupil.user.classes.contains(&c.id))
        .expect("the pupil's class");
    let code = pupil.pictures.expect("picture code");

    goto(client, &app.url("/connexion")).await;
    click(
        client,
        "//a[contains(normalize-space(.), 'Je choisis ma classe')]",
        "the pupils' link",
    )
    .await;
    wait_for_path(client, "/connexion/eleve").await;
    click(client, &tile_xpath(&class.name), "the class tile").await;
    let name_tile = tile_xpath(&pupil.user.short_name());
    wait_for(client, &name_tile, "the pupil's name tile").await;
    if screenshots {
        screenshot(client, "browser-pupil-names.png").await;
    }
    click(client, &name_tile, "the pupil's name tile").await;

    wait_for(
        client,
        "//form[contains(@class, 'pictures')]",
        "the picture page",
    )
    .await;
    if screenshots {
        screenshot(client, "browser-pupil-pictures.png").await;
    }
    for (step, picture) in code.iter().enumerate() {
        // Each press reloads the page: wait for the progress of this step, then find the button anew.
        let progress = format!(
            "//p[contains(@class, 'progress')][count(span[contains(concat(' ', normalize-space(@class), ' '), ' done ')]) = {step}]"
        );
        wait_for(
            client,
            &progress,
            &format!("the picture page at step {step}"),
        )
        .await;
        let button = wait_for(
            client,
            &format!(
                "//form[contains(concat(' ', normalize-space(@class), ' '), ' pictures ')]//button[@name='image'][@value='{picture}']"
            ),
            &format!("picture button {picture} at step {step}"),
        )
        .await;
        button
            .click()
            .await
            .unwrap_or_else(|e| panic!("press picture {picture} at step {step}: {e}"));
    }
}

/// Signs an adult in with their password and waits for the portal.
/// Signs out and waits until the sign-in page is back (so that the next step does not race
/// the sign-out's navigation).
async fn sign_out(client: &Client) {
    click(
        client,
        "//form[@action='/deconnexion']//button[@type='submit']",
        "the sign-out button",
    )
    .await;
    wait_for_path(client, "/connexion").await;
}

async fn sign_in(client: &Client, app: &TestApp, who: &DemoAccount) {
    goto(client, &app.url("/connexion")).await;
    let login = wait_for(client, "//input[@id='login']", "the login field").await;
    login
        .send_keys(&who.user.login)
        .await
        .expect("type the login");
    let field = wait_for(client, "//input[@id='password']", "the password field").await;
    field
        .send_keys(who.password.as_deref().expect("password"))
        .await
        .expect("type the password");
    click(
        client,
        "//form[.//input[@id='login']]//button[@type='submit']",
        "the sign-in button",
    )
    .await;
    wait_for_path(client, "/").await;
}

/// The pupils of the first class, in demo order.
fn pupils_of_first_class(app: &TestApp) -> Vec<&DemoAccount> {
    let class = app.school.classes[0].id;
    app.school
        .pupils
        .iter()
        .filter(|p| p.user.classes.contains(&class))
        .collect()
}

/// A portal or sign-in tile whose label is exactly `label`.
fn tile_xpath(label: &str) -> String {
    format!(
        "//a[contains(concat(' ', normalize-space(@class), ' '), ' tile ')][.//span[normalize-space(.) = {}]]",
        literal(label)
    )
}

/// `text` as an XPath 1.0 string literal.
fn literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

async fn goto(client: &Client, url: &str) {
    client
        .goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
}

/// Waits (bounded) for an element; on timeout, fails with the current page's URL and text.
/// A lookup that fails while the page is changing (a form's navigation aborting it) is
/// tried again.
async fn wait_for(client: &Client, xpath: &str, what: &str) -> Element {
    wait_within(client, xpath, what, WAIT).await
}

/// [`wait_for`] with another bound.
async fn wait_within(client: &Client, xpath: &str, what: &str, limit: Duration) -> Element {
    let deadline = Instant::now() + limit;
    loop {
        let error = match client.find(Locator::XPath(xpath)).await {
            Ok(element) => return element,
            Err(e) => e,
        };
        if Instant::now() > deadline {
            panic!(
                "{what} not found ({error}); XPath {xpath}\n{}",
                page_summary(client).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(client: &Client, xpath: &str, what: &str) {
    let element = wait_for(client, xpath, what).await;
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
}

/// Waits (bounded) until no element matches `xpath` any more (a form's answer replaced the
/// page); on timeout, fails with the current page's URL and text.
async fn wait_gone(client: &Client, xpath: &str, what: &str) {
    let deadline = Instant::now() + WAIT;
    while client.find(Locator::XPath(xpath)).await.is_ok() {
        if Instant::now() > deadline {
            panic!("{what} still there\n{}", page_summary(client).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until the browser is on `path`.
async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = client.current_url().await.expect("current URL");
        if url.path() == path {
            return;
        }
        if Instant::now() > deadline {
            panic!("expected to be on {path}\n{}", page_summary(client).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The current URL and the start of the page's visible text, for failure messages.
async fn page_summary(client: &Client) -> String {
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(no URL: {e})"));
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(e) => format!("(no body: {e})"),
    };
    let text: String = text.chars().take(1500).collect();
    format!("current URL: {url}\npage text:\n{text}")
}

/// Saves a screenshot in the workspace's target directory, for humans; failures only warn.
async fn screenshot(client: &Client, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join(name);
    match client.screenshot().await {
        Ok(png) => match std::fs::write(&path, png) {
            Ok(()) => eprintln!("browser test: screenshot {}", path.display()),
            Err(e) => eprintln!("browser test: cannot write {}: {e}", path.display()),
        },
        Err(e) => eprintln!("browser test: no screenshot {name}: {e}"),
    }
}

/// Where Chromium and chromedriver are.
struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl BrowserTools {
    /// Finds both programs; when one is missing, skips loudly (or fails if the browser is required).
    fn find() -> Option<BrowserTools> {
        let chromium = find_program(&["/usr/bin/chromium"], &["chromium", "chromium-browser"]);
        let chromedriver = find_program(&["/usr/bin/chromedriver"], &["chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(BrowserTools {
                chromium,
                chromedriver,
            }),
            _ => {
                let message = "browser test — chromium/chromedriver not installed (apt-get install chromium chromium-driver)";
                if std::env::var("PREAU_REQUIRE_BROWSER").as_deref() == Ok("1") {
                    panic!("PREAU_REQUIRE_BROWSER=1 but {message}");
                }
                eprintln!(
                    "\n**************************************************************************"
                );
                eprintln!("SKIPPED: {message}");
                eprintln!(
                    "**************************************************************************\n"
                );
                None
            }
        }
    }
}

/// The first existing file among `paths`, else the first of `names` found in `PATH`.
fn find_program(paths: &[&str], names: &[&str]) -> Option<PathBuf> {
    let fixed = paths.iter().map(PathBuf::from).find(|p| p.is_file());
    fixed.or_else(|| {
        let path = std::env::var_os("PATH")?;
        names
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|p| p.is_file())
    })
}

/// A running chromedriver, shut down (browser included) and killed when dropped, even on failure.
struct Driver {
    child: Child,
    port: u16,
    /// Chromium's profile directory; removed after the browser is gone.
    profile: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free port and waits (bounded) until it accepts connections.
    fn spawn(tools: &BrowserTools) -> Driver {
        let port = {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
            listener.local_addr().expect("local address").port()
        };
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()));
        let profile = tempfile::tempdir().expect("browser profile directory");
        let mut driver = Driver {
            child,
            port,
            profile,
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + WAIT;
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited before accepting connections: {status}");
            }
            if Instant::now() > deadline {
                panic!("chromedriver did not accept connections on port {port} within {WAIT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens a headless Chromium session.
    async fn connect(&self, tools: &BrowserTools) -> Client {
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", self.profile.path().display()),
            "--window-size=1024,768".into(),
            // A fake microphone for the prompt recorder (no real device, no permission prompt).
            "--use-fake-ui-for-media-stream".into(),
            "--use-fake-device-for-media-stream".into(),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": { "binary": tools.chromium, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object")
        };
        install_rustls_provider();
        ClientBuilder::rustls()
            .expect("rustls for the WebDriver connection")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("open a Chromium session through chromedriver: {e}"))
    }

    /// Asks chromedriver to quit every session (closing Chromium) and to exit.
    fn shutdown(&self) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
            let request = format!(
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
    }
}

/// fantoccini's rustls client needs a process-wide crypto provider: use ring, like the server.
fn install_rustls_provider() {
    // Err means a provider is installed already, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shutdown();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue 6: a teacher posts a word to her class's families through the form; a parent of
/// that class signs it (« Vu et signé ») from the portal; the teacher sees the signature and
/// the list of families still to sign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_posts_a_carnet_word_a_parent_signs_it_the_teacher_sees_who_has_not() {
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let app = TestApp::start().await;
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;
    let teacher = &app.school.teachers[0];
    let parent = &app.school.parents[0];
    let child = &app.school.pupils[0].user;
    let class = &app.school.classes[0];
    let families = pupils_of_first_class(&app).len();

    // The teacher writes the word from the portal's « Carnet de liaison » tile.
    sign_in(&client, &app, teacher).await;
    click(&client, &tile_xpath("Carnet de liaison"), "the carnet tile").await;
    click(&client, &tile_xpath(&class.name), "the class's carnet").await;
    click(
        &client,
        "//a[contains(normalize-space(.), 'Écrire un mot aux familles')]",
        "the « Écrire un mot » link",
    )
    .await;
    let title = wait_for(&client, "//input[@id='titre']", "the title field").await;
    title
        .send_keys("Réunion de rentrée")
        .await
        .expect("type the title");
    let body = wait_for(&client, "//textarea[@id='mot']", "the word field").await;
    body.send_keys("Chers parents, la réunion aura lieu mardi à 18 h dans la classe.")
        .await
        .expect("type the word");
    screenshot(&client, "browser-liaison-form.png").await;
    click(
        &client,
        "//form[contains(@class, 'liaison-form')]//button[@type='submit']",
        "the « Envoyer aux familles » button",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = 'Réunion de rentrée']",
        "the word's page",
    )
    .await;
    let word_url = client.current_url().await.expect("URL").path().to_string();
    wait_for(
        &client,
        &format!("//section[@id='a-signer']//h2[contains(., '({families})')]"),
        "every family still to sign",
    )
    .await;
    sign_out(&client).await;
    client.delete_all_cookies().await.expect("clear cookies");

    // The parent finds it on the portal and signs it for their child.
    sign_in(&client, &app, parent).await;
    let child_block = format!(
        "//section[contains(@class, 'portal-liaison')]//div[contains(@class, 'liaison-child')][h3[starts-with(normalize-space(.), {})]]",
        literal(&child.full_name())
    );
    wait_for(
        &client,
        "//section[contains(@class, 'portal-liaison')]//a[normalize-space(.) = 'Réunion de rentrée']",
        "the word on the parent's portal",
    )
    .await;
    screenshot(&client, "browser-liaison-portal.png").await;
    let sign_button = format!("{child_block}//button[contains(@class, 'sign-button')]");
    click(&client, &sign_button, "the « Vu et signé » button").await;
    // The portal was already on `/`: wait for the answer to the form (the button gone) before
    // leaving, or the form's navigation would override the next one.
    wait_gone(
        &client,
        &sign_button,
        "the « Vu et signé » button after signing",
    )
    .await;
    goto(&client, &app.url(&word_url)).await;
    wait_for(
        &client,
        &format!(
            "//div[contains(@class, 'liaison-child')][h3[starts-with(normalize-space(.), {})]]//p[contains(@class, 'signed')][contains(normalize-space(.), {})]",
            literal(&child.full_name()),
            literal(&parent.user.full_name())
        ),
        "the child's signature on the word",
    )
    .await;
    sign_out(&client).await;
    client.delete_all_cookies().await.expect("clear cookies");

    // The teacher sees who signed and when, and the families still to sign.
    sign_in(&client, &app, teacher).await;
    goto(&client, &app.url(&word_url)).await;
    wait_for(
        &client,
        &format!(
            "//table[contains(@class, 'liaison-follow')]//tr[th[normalize-space(.) = {}]]/td[contains(normalize-space(.), {})]",
            literal(&child.full_name()),
            literal(&format!("Vu et signé par {}", parent.user.full_name()))
        ),
        "the signature in the follow-up table",
    )
    .await;
    wait_for(
        &client,
        &format!(
            "//section[@id='a-signer']//h2[contains(., '({})')]",
            families - 1
        ),
        "the families still to sign, one fewer",
    )
    .await;
    let waiting = client
        .find_all(Locator::XPath("//section[@id='a-signer']//li"))
        .await
        .expect("the list of families still to sign");
    assert_eq!(waiting.len(), families - 1);
    for li in &waiting {
        let text = li.text().await.expect("text");
        assert!(!text.starts_with(&child.full_name()), "{text}");
    }
    screenshot(&client, "browser-liaison-follow.png").await;

    client.close().await.expect("close the browser session");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_box_shows_its_setup_page_then_a_stick_sets_it_up_and_the_headteacher_activates() {
    use preau_tests::bundles::{Commune, EmptyBox, UAI, code_of, description, write_bundle};
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let mut commune = Commune::new("Villeneuve");
    let boxed = EmptyBox::start(&commune.public_key_file()).await;
    let base = format!("https://localhost:{}", boxed.port());
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;

    // A new box: any address leads to its setup page, which has nothing to sign in with.
    goto(&client, &format!("{base}/")).await;
    wait_for_path(&client, "/installation").await;
    wait_for(
        &client,
        "//h1[contains(., 'Boîtier Préau à configurer')]",
        "the setup page",
    )
    .await;
    screenshot(&client, "browser-setup-page.png").await;
    assert!(
        client
            .find(Locator::XPath("//input[@type='password']"))
            .await
            .is_err(),
        "no password field on a box that has no account"
    );

    // The technician plugs the stick in; the page refreshes itself and says the box is set up.
    let bundle = commune.bundle(&description("jules-ferry", UAI, ""), &[]);
    write_bundle(&bundle, &boxed.usb.join("CLE"));
    wait_within(
        &client,
        "//*[@id='set-up']",
        "the box shown set up",
        Duration::from_secs(30),
    )
    .await;
    screenshot(&client, "browser-setup-done.png").await;

    // The headteacher activates her account with the code from the stick's report.
    let report = boxed.report("CLE", None).await;
    let code = code_of(&report, "claire.dubois");
    click(&client, "//a[@href='/activation']", "the activation link").await;
    let fields = [
        ("login", "claire.dubois"),
        ("code", code.as_str()),
        ("password", "preau-ecole-2027"),
        ("confirmation", "preau-ecole-2027"),
    ];
    for (id, value) in fields {
        let field = wait_for(&client, &format!("//input[@id='{id}']"), id).await;
        field.send_keys(value).await.expect("type");
    }
    click(
        &client,
        "//button[contains(., 'Activer mon compte')]",
        "the activation button",
    )
    .await;
    wait_for(
        &client,
        "//h1[contains(normalize-space(.), 'Bonjour Claire')]",
        "the headteacher's portal",
    )
    .await;

    // Signed in, she sees the bundle in force on the setup page.
    goto(&client, &format!("{base}/installation")).await;
    wait_for(
        &client,
        "//dl[@id='in-force']//dd[contains(., 'n° 1')]",
        "the bundle in force",
    )
    .await;
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_at_central_reads_the_homework_a_teacher_wrote_on_the_box() {
    use preau_tests::bundles::{Commune, UAI, description, onde_fixture};
    use preau_tests::central::{SyncBox, TestCentral, TestClock};
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, "École Jules-Ferry")], None, &clock).await;
    let onde = [
        onde_fixture("eleves-2024-utf8.csv"),
        onde_fixture("responsables-2024-par-eleve.csv"),
        onde_fixture("enseignants-2024.csv"),
    ];
    let boxed = SyncBox::start(
        &mut commune,
        &description("jules-ferry", UAI, ""),
        &onde,
        central.addr(),
        &central.tls_ca,
        true,
    )
    .await;
    // A teacher writes homework for a class on the box; a guardian of a pupil of it has a
    // letter from the ONDE import.
    let directory = boxed.app.directory();
    let (class, teacher, parent) = directory
        .all_classes()
        .into_iter()
        .find_map(|class| {
            let teacher = *class.teachers.first()?;
            let pupil = directory.users().into_iter().find(|u| {
                u.role == preau_core::Role::Pupil
                    && u.classes.contains(&class.id)
                    && !u.guardians.is_empty()
            })?;
            let parent = directory.user(pupil.guardians[0])?.clone();
            Some((class.id, teacher, parent))
        })
        .expect("a class with a teacher and a family");
    let code = boxed
        .codes
        .iter()
        .find(|(u, _)| u.id == parent.id)
        .map(|(_, c)| c.clone())
        .expect("the parent's letter");
    let today = time::OffsetDateTime::from_unix_timestamp(boxed.app.now())
        .expect("now")
        .date();
    let form = preau_app::logbook::EntryForm {
        date: today.to_string(),
        title: "Poésie".into(),
        done: "Lecture de la fable".into(),
        homework: "Réciter « Le Corbeau et le Renard »".into(),
        due: (today + time::Duration::days(1)).to_string(),
        ..Default::default()
    };
    let teacher = directory.subject(directory.user(teacher).expect("teacher"));
    boxed
        .app
        .write_logbook_entry(&teacher, class, &form)
        .expect("homework");
    boxed.wait_synced(Duration::from_secs(60)).await;

    // At home, the parent activates their commune account with the letter and reads it.
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;
    goto(&client, &central.url("/")).await;
    click(&client, "//a[@href='/activation']", "the activation link").await;
    let fields = [
        ("login", parent.login.as_str()),
        ("code", code.as_str()),
        ("password", "preau-maison-2027"),
        ("confirmation", "preau-maison-2027"),
    ];
    for (id, value) in fields {
        let field = wait_for(&client, &format!("//input[@id='{id}']"), id).await;
        field.send_keys(value).await.expect("type");
    }
    click(
        &client,
        "//button[contains(., 'Activer mon compte')]",
        "the activation button",
    )
    .await;
    wait_for(
        &client,
        "//li[contains(., 'Le Corbeau et le Renard')]",
        "the homework at central",
    )
    .await;
    wait_for(
        &client,
        "//p[contains(., 'À jour')]",
        "when the school last synced",
    )
    .await;
    screenshot(&client, "browser-central-parent.png").await;
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_sets_a_fill_in_the_blanks_exercise_a_pupil_retries_and_the_grid_shows_it() {
    let Some(tools) = BrowserTools::find() else {
        return;
    };
    let app = TestApp::start().await;
    let driver = Driver::spawn(&tools);
    let client = driver.connect(&tools).await;
    let teacher = &app.school.teachers[0];
    let class = &app.school.classes[0];
    let pupil = pupils_of_first_class(&app)
        .into_iter()
        .find(|p| {
            let short = p.user.short_name();
            pupils_of_first_class(&app)
                .iter()
                .filter(|q| q.user.short_name() == short)
                .count()
                == 1
        })
        .expect("a pupil with a unique short name");

    // The teacher writes a sequence with one fill-in-the-blanks question.
    sign_in(&client, &app, teacher).await;
    click(&client, &tile_xpath("Exercices"), "the exercises tile").await;
    click(
        &client,
        "//a[normalize-space(.) = 'Nouvelle séquence']",
        "the « Nouvelle séquence » link",
    )
    .await;
    type_into(&client, "//input[@id='titre']", "Le chat et la souris").await;
    type_into(
        &client,
        "//textarea[@id='lecon']",
        "Le verbe manger au présent : le chat mange.",
    )
    .await;
    click(
        &client,
        "//main//button[normalize-space(.) = 'Enregistrer']",
        "Enregistrer",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = 'Le chat et la souris']",
        "the sequence's page",
    )
    .await;
    let sequence_url = client.current_url().await.expect("URL").path().to_string();
    type_into(&client, "//input[@id='titre']", "Compléter la phrase").await;
    type_into(&client, "//input[@id='consigne']", "Écris le bon mot.").await;
    click(
        &client,
        "//button[normalize-space(.) = \"Ajouter l'exercice\"]",
        "the « Ajouter l'exercice » button",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = 'Compléter la phrase']",
        "the exercise's page",
    )
    .await;
    let kind = wait_for(&client, "//select[@id='type']", "the kind list").await;
    kind.select_by_value("trous")
        .await
        .expect("choose « Texte à trous »");
    type_into(
        &client,
        "//textarea[@id='reponses']",
        "Le chat [mange] la souris.",
    )
    .await;
    // She records the prompt with the microphone (Chromium's fake one here).
    click(
        &client,
        "//button[@data-record]",
        "the « Enregistrer la consigne » button",
    )
    .await;
    let status = wait_for(
        &client,
        "//span[@id='enregistrement'][normalize-space(.) != '']",
        "the recorder's status",
    )
    .await;
    let said = status.text().await.expect("status");
    assert_eq!(said, "Enregistrement en cours…", "the recorder says");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    click(&client, "//button[@data-record]", "the « Arrêter » button").await;
    wait_for(
        &client,
        "//span[@id='enregistrement'][starts-with(normalize-space(.), 'Enregistrement prêt')]",
        "the recording ready to be sent",
    )
    .await;
    screenshot(&client, "browser-exercise-editor.png").await;
    click(
        &client,
        "//button[normalize-space(.) = 'Ajouter la question']",
        "the « Ajouter la question » button",
    )
    .await;
    wait_for(
        &client,
        "//ol[contains(@class, 'question-list')]//pre[normalize-space(.) = 'Le chat [mange] la souris.']",
        "the question in the exercise",
    )
    .await;
    wait_for(
        &client,
        "//ol[contains(@class, 'question-list')]//audio[contains(@src, '/media/')]",
        "the recorded prompt with the question",
    )
    .await;

    // … and sets it to the class, in training mode (the form's default), for a week.
    goto(&client, &app.url(&sequence_url)).await;
    click(
        &client,
        &format!(
            "//a[normalize-space(.) = {}]",
            literal(&format!("À la classe {}…", class.name))
        ),
        "the « Donner à faire » link",
    )
    .await;
    click(
        &client,
        "//button[normalize-space(.) = 'Donner à faire']",
        "the « Donner à faire » button",
    )
    .await;
    wait_for(
        &client,
        "//h1[starts-with(normalize-space(.), 'Résultats aux exercices')]",
        "the class's results",
    )
    .await;
    let grid_url = client.current_url().await.expect("URL").path().to_string();
    sign_out(&client).await;
    client.delete_all_cookies().await.expect("clear cookies");

    // The pupil does it: one mistake, another try, then right.
    sign_in_pupil(&client, &app, pupil, false).await;
    click(
        &client,
        &tile_xpath("Exercices"),
        "the pupil's exercises tile",
    )
    .await;
    click(
        &client,
        &tile_xpath("Le chat et la souris"),
        "the task on the pupil's list",
    )
    .await;
    click(
        &client,
        "//button[normalize-space(.) = 'Commencer']",
        "the « Commencer » button",
    )
    .await;
    wait_for(
        &client,
        "//form[contains(@class, 'exercise-form')]//audio[contains(@src, '/media/')]",
        "the teacher's recorded prompt on the pupil's screen",
    )
    .await;
    type_into(&client, "//input[@name='trou']", "mangent").await;
    screenshot(&client, "browser-exercise-question.png").await;
    click(
        &client,
        "//button[normalize-space(.) = 'Valider']",
        "Valider",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = \"Ce n'est pas tout à fait ça.\"]",
        "the encouraging « not quite » feedback",
    )
    .await;
    click(
        &client,
        "//a[normalize-space(.) = 'Réessayer']",
        "Réessayer",
    )
    .await;
    wait_for(
        &client,
        "//p[contains(@class, 'try-again')]",
        "the « Essaie encore » note on the same question",
    )
    .await;
    type_into(&client, "//input[@name='trou']", "mange").await;
    click(
        &client,
        "//button[normalize-space(.) = 'Valider']",
        "Valider",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space(.) = \"Bravo, c'est juste !\"]",
        "the « Bravo » feedback",
    )
    .await;
    screenshot(&client, "browser-exercise-bravo.png").await;
    click(
        &client,
        "//a[normalize-space(.) = 'Voir mes résultats']",
        "Voir mes résultats",
    )
    .await;
    wait_for(
        &client,
        "//p[contains(@class, 'score')][contains(normalize-space(.), 'Tu as trouvé 1 réponse(s) sur 1, dont 0 du premier coup.')]",
        "the pupil's result",
    )
    .await;
    sign_out(&client).await;
    client.delete_all_cookies().await.expect("clear cookies");

    // The teacher's grid: the pupil's first try was wrong — red, « à revoir », and on the
    // list of pupils needing help; classmates have not started.
    sign_in(&client, &app, teacher).await;
    goto(&client, &app.url(&grid_url)).await;
    let row = format!(
        "//table[contains(@class, 'results-grid')]//tr[th[normalize-space(.) = {}]]",
        literal(&pupil.user.full_name())
    );
    wait_for(
        &client,
        &format!("{row}/td[contains(@class, 'cell-low')][starts-with(normalize-space(.), '0/1')]"),
        "the pupil's red cell 0/1 in the grid",
    )
    .await;
    wait_for(
        &client,
        &format!(
            "//section[contains(@class, 'help-list')]//a[normalize-space(.) = {}]",
            literal(&pupil.user.full_name())
        ),
        "the pupil among those needing help",
    )
    .await;
    let todo = client
        .find_all(Locator::XPath(
            "//table[contains(@class, 'results-grid')]//td[contains(@class, 'cell-todo')]",
        ))
        .await
        .expect("cells not started");
    assert_eq!(todo.len(), pupils_of_first_class(&app).len() - 1);
    screenshot(&client, "browser-exercise-grid.png").await;

    client.close().await.expect("close the browser session");
    drop(driver);
}

/// Types `text` into the field at `xpath`.
async fn type_into(client: &Client, xpath: &str, text: &str) {
    let field = wait_for(client, xpath, xpath).await;
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {xpath}: {e}"));
}

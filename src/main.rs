//! The `access-check` command-line tool (SPEC §8, §11, §12): `eval`, `verify`, `replay`,
//! `serve`, `audit`, `impact`, `keys`, `issue`. Exit codes: 0 a report was made (or a signature is valid), 1 a signature is
//! invalid, 2 an input is unusable, with an `error:` line saying what and where, 141 the
//! output's reader went away (`… | head`), as for any other tool.

/// The CLI's `print!`/`println!`: a reader that went away (`access-check eval … | head`) ends
/// the command quietly with status 141, as it ends any other tool, instead of a panic.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_out(format_args!($($arg)*), false) };
}
#[cfg(not(target_arch = "wasm32"))]
macro_rules! outln {
    ($($arg:tt)*) => { $crate::write_out(format_args!($($arg)*), true) };
}

#[cfg(not(target_arch = "wasm32"))]
mod cli;

/// Writes the CLI's output; see [`out!`].
#[cfg(not(target_arch = "wasm32"))]
fn write_out(text: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(text)
        .and_then(|()| if newline { stdout.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        output_failed(&error);
    }
}

/// Ends the command when its output cannot be written: quietly with 141 when the reader went
/// away, else with an `error:` line and 2.
#[cfg(not(target_arch = "wasm32"))]
fn output_failed(error: &std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("error: the output cannot be written: {error}");
    std::process::exit(2);
}

use std::process::ExitCode;

/// The wasm32 build of this binary exists only because integration tests build every binary
/// for their target; the CLI needs files, a clock and native signature arithmetic.
#[cfg(target_arch = "wasm32")]
fn main() -> ExitCode {
    eprintln!("error: the access-check command line is native only");
    ExitCode::from(2)
}

#[cfg(not(target_arch = "wasm32"))]
const USAGE: &str = "\
access-check: verify eligibility attestations and explain access decisions

usage:
  access-check eval --policy FILE [--token JWS]... [--tokens FILE] [--tier ID]
                    [--now SECS] [--server-time SECS] [--nonce N] [--lang TAG] [--text]
  access-check eval --scenario FILE [--tier ID] [--lang TAG] [--text]
  access-check verify --jwk FILE [--alg ALG] JWS
  access-check replay CODE [--policy FILE] [--lang TAG] [--text]
  access-check serve [--addr 127.0.0.1:8080] [--policy FILE] [--root DIR] [--no-demo]
                     [--jwks-grace SECS] [--jwks-min-ttl SECS] [--token-cache N]
                     [--audit sqlite:PATH|postgres://USER@HOST:PORT/DB|off] [--audit-chain ID]
                     [--audit-key FILE] [--audit-checkpoints FILE]
                     [--checkpoint-records N] [--checkpoint-seconds SECS]
                     [--support-token-file FILE]   (or ACCESS_CHECK_SUPPORT_TOKEN)
                     [--cors-origin ORIGIN]...
                     [--location-key FILE]... --location-iss ISS --location-db FILE
                     --trusted-proxy CIDR... [--anonymizer KIND=FILE]... [--forwarded-header NAME]
                     [--location-subject-header NAME] [--location-ttl SECS]
  access-check audit verify --audit STORE [--checkpoints FILE] [--audit-key FILE]
  access-check audit query --audit STORE [--subject HASH | --reference REF] [--support-code CODE]
                     [--since SECS] [--until SECS] [--outcome OUTCOME] [--tier ID]
  access-check audit export --audit STORE
  access-check audit prune --audit STORE --before SECS [--audit-key FILE] [--audit-checkpoints FILE]
  access-check impact --policy NEW --audit STORE [--since SECS]
  access-check keys generate --alg ES256|EdDSA [--kid KID] --out DIR [--force]
  access-check issue --key FILE --kind identity|location|organization --iss ISS --aud AUD
                     --sub SUB [--ttl SECS] --claims FILE [--now SECS]
  access-check --version

exit status: 0 report made / signature valid / audit intact, 1 signature invalid / audit
tampered, 2 unusable input, 141 the output's reader went away (e.g. `| head`)";

#[cfg(not(target_arch = "wasm32"))]
fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let command = args.remove(0);
    let result = match command.as_str() {
        "eval" => cli::eval(args),
        "verify" => cli::verify(args),
        "replay" => cli::replay(args),
        "serve" => cli::serve(args),
        "audit" => cli::audit(args),
        "impact" => cli::impact(args),
        "keys" => cli::keys(args),
        "issue" => cli::issue_command(args),
        "help" | "--help" | "-h" => {
            outln!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        "--version" | "-V" => {
            outln!("access-check {}", access_check::core::check::VERSION);
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}; try `access-check --help`")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

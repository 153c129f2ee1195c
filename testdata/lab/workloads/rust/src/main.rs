//! rsapp is a lab workload: one operation, failing the way Rust services do
//! (an `expect` panic carrying the io::Error debug form, or an error
//! returned from main in its Display form).
use std::{env, fs, net::TcpListener, thread, time::Duration};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = env::args().collect();
    let (action, arg) = (args[1].as_str(), args[2].as_str());
    match action {
        "write" => {
            fs::write(arg, b"cache\n").expect(&format!("failed to write {arg}"));
        }
        "mkdir" => {
            fs::create_dir_all(arg)?;
        }
        "read" => {
            let _ = fs::read_to_string(arg).map_err(|e| format!("reading {arg}: {e}"))?;
        }
        "listen" => {
            let _l = TcpListener::bind(format!("0.0.0.0:{arg}"))?;
        }
        _ => return Err(format!("unknown action {action}").into()),
    }
    println!("{action} {arg}: ok");
    thread::sleep(Duration::from_secs(2));
    Ok(())
}

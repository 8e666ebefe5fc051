//! What the commands write to the terminal: standard output and error that survive a closed
//! pipe (`output`), and progress bars (`progress`).

pub mod output;
pub mod progress;

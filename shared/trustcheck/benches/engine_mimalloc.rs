//! The engine benchmark (`engine.rs`) with mimalloc, the allocator the `trustcheck` CLI ships
//! with: the engine as the CLI runs it, and the only place `evaluate` (the suggested policy)
//! runs. The Lambda functions keep the system allocator, which `engine.rs` measures.
//! `make bench ALLOCATOR=mimalloc`, `make bench-instructions ALLOCATOR=mimalloc`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "engine.rs"]
mod engine;

fn main() {
    engine::main();
}

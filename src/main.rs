fn main() {
    simrun_schedulers::placeholder();
}

//! A TCP forwarder in front of a server, to make an endpoint die and come back on the same
//! address (as a killed and restarted Usermaven or mock would).

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    rt: tokio::runtime::Handle,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(rt: &tokio::runtime::Runtime, upstream: SocketAddr) -> Proxy {
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let mut p = Proxy {
            addr,
            upstream,
            rt: rt.handle().clone(),
            task: None,
        };
        p.serve(listener);
        p
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop listening and close every connection: new connections are refused.
    pub fn kill(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = self.rt.block_on(t);
        }
    }

    /// Listen again on the same address.
    pub fn revive(&mut self) {
        let listener = self
            .rt
            .block_on(TcpListener::bind(self.addr))
            .expect("rebind proxy");
        self.serve(listener);
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        self.task = Some(self.rt.spawn(async move {
            // Dropped with the task: aborting it closes every forwarded connection.
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                conns.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                while conns.try_join_next().is_some() {}
            }
        }));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
